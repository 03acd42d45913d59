import { GraphQLScalarType, Kind, valueFromASTUntyped } from "graphql";

/** Dates travel as ISO-8601 strings in UTC. */
export const DateTime = new GraphQLScalarType<Date, string>({
  name: "DateTime",
  description: "An ISO-8601 date and time in UTC.",
  serialize(value) {
    if (value instanceof Date) return value.toISOString();
    throw new TypeError("DateTime can only serialize Date values.");
  },
  parseValue(value) {
    return parseDate(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new TypeError("DateTime must be an ISO-8601 string.");
    return parseDate(ast.value);
  },
});

function parseDate(value: unknown): Date {
  const date = typeof value === "string" ? new Date(value) : new Date(NaN);
  if (Number.isNaN(date.getTime())) throw new TypeError("DateTime must be an ISO-8601 string.");
  return date;
}

/**
 * WebAuthn's JSON objects, as they are. Parsed like any GraphQL input (a variable's JSON, or a
 * literal); what shape they must have is the passkey services' to check.
 */
export const JSONScalar = new GraphQLScalarType<unknown, unknown>({
  name: "JSON",
  description: "A JSON value.",
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
});
