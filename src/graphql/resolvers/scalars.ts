import { GraphQLScalarType, Kind } from "graphql";

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
