import { getDirective, MapperKind, mapSchema } from "@graphql-tools/utils";
import { defaultFieldResolver, type GraphQLFieldConfig, type GraphQLObjectType, type GraphQLSchema } from "graphql";
import type { GraphQLContext } from "../context";
import {
  admin,
  ownerOrAdmin,
  recentSecondFactor,
  signedIn,
  signedInAtAnyLevel,
  type AccessCheck,
  type AccessRule,
  type OwnerOf,
} from "./accessChecks";

/** schema.graphql breaks the access rules' own rules; the message names every field at fault. */
export class AccessRuleError extends Error {
  override name = "AccessRuleError";
}

/** Who owns an object of each type whose fields use OWNER_OR_ADMIN, by GraphQL type name. */
export type Owners = Record<string, OwnerOf>;

type FieldRule = { public: true } | { public: false; requires: AccessRule };

/**
 * Returns the schema with every rule of schema.graphql in force: each field that has a rule
 * (`@auth`/`@public` on it, or `@auth` on its type) gets its resolver wrapped by the rule's check,
 * which runs first and throws the refusal, and then, for a field with `@recentSecondFactor`, by
 * the step-up check. This is the one place where access is decided, once at start-up for the
 * whole schema. Default deny: a Query, Mutation or Subscription field without a rule (or with a
 * rule that cannot work) stops the server from starting, with a message naming it; and every rule
 * but FIRST_FACTOR refuses a session that has not verified the account's second factor.
 */
export function withAccessRules(schema: GraphQLSchema, owners: Owners): GraphQLSchema {
  for (const name of ["auth", "public", "recentSecondFactor"]) {
    if (!schema.getDirective(name)) throw new AccessRuleError(`The schema does not declare the @${name} directive.`);
  }
  const rootTypes = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].map((type) => type?.name));
  const problems: string[] = [];
  const guarded = mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field: GraphQLFieldConfig<unknown, GraphQLContext>, fieldName, typeName) => {
      const where = `${typeName}.${fieldName}`;
      const type = schema.getType(typeName) as GraphQLObjectType;
      const rule = fieldRule(schema, field, type, where, problems);
      const stepUp = getDirective(schema, field, "recentSecondFactor") !== undefined;
      if (stepUp && (!rule || rule.public)) {
        problems.push(`${where} has @recentSecondFactor, which needs a signed-in caller: add @auth to it too.`);
        return field;
      }
      if (!rule) {
        if (rootTypes.has(typeName)) {
          problems.push(`${where} has no access rule: add @auth(requires: USER), @auth(requires: ADMIN) or @public to it.`);
        }
        return field;
      }
      if (rule.public) return field;
      if (rule.requires === "OWNER_OR_ADMIN" && rootTypes.has(typeName)) {
        problems.push(`${where}: OWNER_OR_ADMIN needs an object to own; use USER and let the service reach only the caller's own rows.`);
        return field;
      }
      if (rule.requires === "OWNER_OR_ADMIN" && !owners[typeName]) {
        problems.push(
          `${where}: OWNER_OR_ADMIN, but nothing says who owns a ${typeName}: add it to the owners in src/graphql/authorization/owners.ts.`,
        );
        return field;
      }
      const check = checkFor(rule.requires, owners[typeName]);
      return guard(field, stepUp ? both(check, recentSecondFactor) : check, typeName === schema.getSubscriptionType()?.name);
    },
  });
  if (problems.length > 0) throw new AccessRuleError(`Access rules in schema.graphql:\n- ${problems.join("\n- ")}`);
  return guarded;
}

/** The field's own rule, else its type's `@auth`, else none. */
function fieldRule(
  schema: GraphQLSchema,
  field: GraphQLFieldConfig<unknown, GraphQLContext>,
  type: GraphQLObjectType,
  where: string,
  problems: string[],
): FieldRule | undefined {
  const isPublic = getDirective(schema, field, "public") !== undefined;
  const ownAuth = getDirective(schema, field, "auth")?.[0];
  if (isPublic && ownAuth) problems.push(`${where} has both @public and @auth: keep one.`);
  if (isPublic) return { public: true };
  const auth = ownAuth ?? getDirective(schema, type, "auth")?.[0];
  return auth ? { public: false, requires: auth.requires as AccessRule } : undefined;
}

function checkFor(rule: AccessRule, ownerOf: OwnerOf | undefined): AccessCheck {
  if (rule === "USER") return signedIn;
  if (rule === "FIRST_FACTOR") return signedInAtAnyLevel;
  if (rule === "ADMIN") return admin;
  return ownerOrAdmin(ownerOf!);
}

/** The first check, then the second: synchronous while both are. */
function both(first: AccessCheck, second: AccessCheck): AccessCheck {
  return (parent, context) => {
    const pending = first(parent, context);
    return pending ? pending.then(() => second(parent, context)) : second(parent, context);
  };
}

/**
 * The field's resolver, run only once the check has passed. For a Subscription field, its
 * `subscribe`: the check runs when a client subscribes (and the socket closes when the session
 * ends), while `resolve` only shapes each event.
 */
function guard(
  field: GraphQLFieldConfig<unknown, GraphQLContext>,
  check: AccessCheck,
  isSubscription: boolean,
): GraphQLFieldConfig<unknown, GraphQLContext> {
  const run = (isSubscription ? field.subscribe : field.resolve) ?? defaultFieldResolver;
  const checked: typeof run = (parent, args, context, info) => {
    const pending = check(parent, context);
    return pending ? pending.then(() => run(parent, args, context, info)) : run(parent, args, context, info);
  };
  return isSubscription ? { ...field, subscribe: checked } : { ...field, resolve: checked };
}
