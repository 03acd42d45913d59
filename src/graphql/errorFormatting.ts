import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { unwrapResolverError } from "@apollo/server/errors";
import { AppError, ErrorCode } from "../errors";
import { Prisma } from "../generated/prisma/client";

/** Codes of errors that Apollo itself raises about the request; their messages are safe to show. */
const REQUEST_ERROR_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "BAD_REQUEST",
  "OPERATION_RESOLUTION_FAILURE",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
]);

/**
 * The one place where errors become what a client sees. Our own errors keep their code and
 * details; Apollo's request errors pass; everything else is an internal error whose message,
 * stack, SQL or Prisma text never leaves the server (it is logged there with the request id).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const where = { locations: formatted.locations, path: formatted.path };
  if (original instanceof AppError) {
    return { message: original.message, ...where, extensions: { code: original.code, ...original.details } };
  }
  const code = formatted.extensions?.code;
  if (typeof code === "string" && REQUEST_ERROR_CODES.has(code)) {
    return { message: formatted.message, ...where, extensions: { code } };
  }
  // graphql-js's own refusals at execution time (e.g. a subscription, which this schema lacks) are
  // about the request, not a failure of ours: no resolver ran, so there is no originalError.
  if (original instanceof GraphQLError && original.originalError === undefined && !formatted.path) {
    return { message: formatted.message, ...where, extensions: { code: ErrorCode.BAD_REQUEST } };
  }
  if (isDatabaseUnavailable(original)) {
    return {
      message: "The service is temporarily unavailable. Try again shortly.",
      ...where,
      extensions: { code: ErrorCode.SERVICE_UNAVAILABLE },
    };
  }
  return { message: "Internal server error.", ...where, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
}

const MASKED_CODES = new Set<unknown>([ErrorCode.INTERNAL_SERVER_ERROR, ErrorCode.SERVICE_UNAVAILABLE]);

/** Masked errors get `extensions.requestId`: the id of the server log entry with the details. */
export function withRequestIdOnMaskedErrors(
  errors: readonly GraphQLFormattedError[] | undefined,
  requestId: string,
): readonly GraphQLFormattedError[] | undefined {
  return errors?.map((error) =>
    MASKED_CODES.has(error.extensions?.code) ? { ...error, extensions: { ...error.extensions, requestId } } : error,
  );
}

const UNAVAILABLE_PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);
/** Socket errors, and PostgreSQL's admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections. */
const UNAVAILABLE_DRIVER_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "57P01", "57P02", "57P03", "53300"]);
/** DriverAdapterError kinds of @prisma/adapter-pg that mean the server is gone or full. */
const UNAVAILABLE_ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);
/** node-postgres says "connection dropped" and "pool exhausted" by message only, with no code. */
const UNAVAILABLE_PG_MESSAGES = /Connection terminated|timeout exceeded when trying to connect/;

/**
 * True for errors that mean "the database cannot be reached", not "the query was wrong". What
 * Prisma 6.19 with adapter-pg was seen throwing while PostgreSQL stopped and started
 * (test/security/databaseOutage.test.ts): P1001 and P1017; DriverAdapterError with a cause of
 * code 57P01 or 57P03; the login rate limiter's wrapped ECONNREFUSED.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (error instanceof Prisma.PrismaClientInitializationError) return true;
  if (typeof error !== "object" || error === null || depth > 3) return false;
  if (error instanceof Prisma.PrismaClientKnownRequestError && UNAVAILABLE_PRISMA_CODES.has(error.code)) return true;
  const { code, kind, message, cause, meta } = error as Record<string, unknown>;
  if (typeof code === "string" && UNAVAILABLE_DRIVER_CODES.has(code)) return true;
  if (typeof kind === "string" && UNAVAILABLE_ADAPTER_KINDS.has(kind)) return true;
  if (typeof message === "string" && UNAVAILABLE_PG_MESSAGES.test(message)) return true;
  const adapterError = (meta as { driverAdapterError?: unknown } | undefined)?.driverAdapterError;
  return [cause, adapterError].some((inner) => inner !== undefined && isDatabaseUnavailable(inner, depth + 1));
}
