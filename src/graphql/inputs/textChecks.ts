import { MapperKind, mapSchema } from "@graphql-tools/utils";
import {
  defaultFieldResolver,
  getNullableType,
  isInputObjectType,
  isListType,
  isScalarType,
  type GraphQLFieldConfig,
  type GraphQLFieldResolver,
  type GraphQLInputType,
  type GraphQLSchema,
} from "graphql";
import { InputError } from "../../errors";

/**
 * The scalars whose values are client text. Custom scalars parse their own: DateTime, and JSON,
 * from which the passkey services take nothing but base64url text (src/auth/passkeys/relyingParty.ts).
 */
const TEXT_SCALARS = new Set(["String", "ID"]);

/**
 * Why `text` cannot be taken as it is, or undefined when it can. PostgreSQL's text types refuse
 * NUL outright, and a lone UTF-16 surrogate (JSON's "\ud800" escape lets any client send one) has
 * no UTF-8 form: Prisma refuses to send it, and bcrypt or a hash would read it as U+FFFD.
 */
function unstorableText(text: string): string | undefined {
  if (text.includes("\u0000")) return "The text contains a NUL character (U+0000), which is not allowed.";
  if (!text.isWellFormed()) return "The text contains an unpaired UTF-16 surrogate, which is not valid Unicode.";
  return undefined;
}

/**
 * Returns the schema with every field that takes text checking it first: each String or ID in
 * its arguments, inside input objects and lists too, must be storable text (no NUL, well-formed
 * Unicode), or the field answers BAD_USER_INPUT (reason INVALID) naming the argument or input
 * field. One check at the schema, so a field added tomorrow is covered without a line of its own.
 *
 * Apply it over the access rules, so that it runs before them: it looks only at the request's own
 * text, reads nothing and answers the same to anyone, so running first tells a caller nothing
 * about what they may reach (docs/api.md, "Errors").
 */
export function withTextChecks(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field: GraphQLFieldConfig<unknown, unknown, Record<string, unknown>>) => {
      const textArgs = Object.entries(field.args ?? {}).filter(([, arg]) => holdsText(arg.type));
      if (textArgs.length === 0) return field;
      const resolve = field.resolve ?? defaultFieldResolver;
      const checkedResolve: GraphQLFieldResolver<unknown, unknown, Record<string, unknown>> = (parent, args, context, info) => {
        for (const [name, arg] of textArgs) requireStorableText(arg.type, args[name], name);
        return resolve(parent, args, context, info);
      };
      return { ...field, resolve: checkedResolve };
    },
  });
}

/** True when a value of `type` can carry a String or ID somewhere inside. */
function holdsText(type: GraphQLInputType, seen = new Set<string>()): boolean {
  const nullable = getNullableType(type);
  if (isListType(nullable)) return holdsText(nullable.ofType, seen);
  if (isScalarType(nullable)) return TEXT_SCALARS.has(nullable.name);
  if (!isInputObjectType(nullable) || seen.has(nullable.name)) return false;
  seen.add(nullable.name);
  return Object.values(nullable.getFields()).some((inputField) => holdsText(inputField.type, seen));
}

/** Walks an argument's coerced value by its declared type; `name` is the argument or input field it sits in. */
function requireStorableText(type: GraphQLInputType, value: unknown, name: string): void {
  if (value === null || value === undefined) return;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    for (const item of value as unknown[]) requireStorableText(nullable.ofType, item, name);
  } else if (isInputObjectType(nullable)) {
    const fields = value as Record<string, unknown>;
    for (const inputField of Object.values(nullable.getFields()))
      requireStorableText(inputField.type, fields[inputField.name], inputField.name);
  } else if (typeof value === "string" && TEXT_SCALARS.has(nullable.name)) {
    const problem = unstorableText(value);
    if (problem) throw new InputError(name, problem);
  }
}
