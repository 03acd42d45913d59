import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import type { DatabaseConfig } from "../config";
import { PrismaClient } from "../generated/prisma/client";
import type { Logger } from "../logger";

/**
 * How much longer than statement_timeout the client waits for an answer. A live server cancels a
 * slow query itself at statement_timeout (a clean error, the connection stays usable); the client
 * gives up only on a server that cannot answer at all: frozen, or cut off by the network, where
 * a server-side timeout never arrives.
 */
const CLIENT_GRACE_MS = 1_000;

/** The timeouts every connection of this process gets, pooled or dedicated (the change listener). */
export function connectionSettings(
  connectionString: string,
  { statementTimeoutSeconds, connectTimeoutSeconds }: Pick<DatabaseConfig, "statementTimeoutSeconds" | "connectTimeoutSeconds">,
): pg.ClientConfig & { connectionTimeoutMillis: number; query_timeout: number } {
  return {
    connectionString,
    connectionTimeoutMillis: connectTimeoutSeconds * 1000,
    statement_timeout: statementTimeoutSeconds * 1000,
    query_timeout: statementTimeoutSeconds * 1000 + CLIENT_GRACE_MS,
  };
}

/**
 * The process's one connection pool, shared by Prisma and the login rate limiter. Every wait is
 * bounded, so that requests fail fast while the database is down or frozen instead of piling
 * up: for a connection (connectionTimeoutMillis covers both a free pooled one and opening a new
 * one) and for each query's answer (see connectionSettings).
 */
export function createDatabasePool(
  connectionString: string,
  database: Pick<DatabaseConfig, "poolSize" | "statementTimeoutSeconds" | "connectTimeoutSeconds">,
  logger: Logger,
): pg.Pool {
  const pool = new pg.Pool({ ...connectionSettings(connectionString, database), max: database.poolSize });
  // An idle connection that the server drops (restart, failover) emits "error" on the pool; with
  // no listener Node would crash the process. The pool replaces the connection on next use.
  pool.on("error", (error) => logger.warn({ err: error }, "idle database connection lost"));
  const open = new Set<pg.Client>();
  pool.on("connect", (client) => {
    open.add(client);
    client.once("end", () => open.delete(client));
  });
  openConnections.set(pool, open);
  return pool;
}

const openConnections = new WeakMap<pg.Pool, Set<pg.Client>>();

/**
 * Ends the pool (if Prisma has not) and waits until every connection has closed. pool.end()
 * resolves once it has asked each connection to close, not once each has: a PostgreSQL stopped
 * right after would cut the ones still closing, and the pool would report them lost.
 */
export async function closeDatabasePool(pool: pg.Pool): Promise<void> {
  if (!pool.ending) await pool.end();
  const closing = [...(openConnections.get(pool) ?? [])].map((client) => new Promise((closed) => client.once("end", closed)));
  await Promise.all(closing);
}

/** The application's Prisma client: queries compiled in-process and sent through node-postgres (no native engine). */
export function createPrismaClient(pool: pg.Pool): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
}
