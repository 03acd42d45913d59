import { Prisma } from "../generated/prisma/client";

const UNAVAILABLE_PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);
/**
 * Socket errors, and PostgreSQL's admin_shutdown, crash_shutdown, cannot_connect_now,
 * too_many_connections, query_canceled (what statement_timeout raises: a database too slow to
 * answer in time is, to the client, one that is unavailable), and read_only_sql_transaction and
 * disk_full: a database that cannot take writes now (a standby, a full disk) is not a bug.
 */
const UNAVAILABLE_DRIVER_CODES = new Set([
  ...["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND"],
  ...["57P01", "57P02", "57P03", "53300", "57014", "25006", "53100"],
]);
/** DriverAdapterError kinds of @prisma/adapter-pg that mean the server is gone or full. */
const UNAVAILABLE_ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);
/**
 * node-postgres says "connection dropped", "pool exhausted" and "no answer within query_timeout"
 * (a frozen server) by message only, with no code.
 */
const UNAVAILABLE_PG_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Query read timeout/;

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
  // thrownValue: graphql-js wraps a thrown value that is not an Error of its own realm in a
  // NonErrorThrown error; node-postgres's socket errors reach it that way when the server runs
  // inside a VM context (the test runner's), since they are made in Node's own realm.
  const { code, kind, message, cause, meta, thrownValue } = error as Record<string, unknown>;
  if (typeof code === "string" && UNAVAILABLE_DRIVER_CODES.has(code)) return true;
  if (typeof kind === "string" && UNAVAILABLE_ADAPTER_KINDS.has(kind)) return true;
  if (typeof message === "string" && UNAVAILABLE_PG_MESSAGES.test(message)) return true;
  const adapterError = (meta as { driverAdapterError?: unknown } | undefined)?.driverAdapterError;
  return [cause, adapterError, thrownValue].some((inner) => inner !== undefined && isDatabaseUnavailable(inner, depth + 1));
}
