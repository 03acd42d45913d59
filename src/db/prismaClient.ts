import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client";
import type { Logger } from "../logger";

/**
 * The process's one connection pool, shared by Prisma and the login rate limiter. A short
 * connection timeout makes requests fail fast while the database is down instead of piling up.
 */
export function createDatabasePool(connectionString: string, poolSize: number, logger: Logger): pg.Pool {
  const pool = new pg.Pool({ connectionString, max: poolSize, connectionTimeoutMillis: 5_000 });
  // An idle connection that the server drops (restart, failover) emits "error" on the pool; with
  // no listener Node would crash the process. The pool replaces the connection on next use.
  pool.on("error", (error) => logger.warn({ err: error }, "idle database connection lost"));
  return pool;
}

/** The application's Prisma client: queries compiled in-process and sent through node-postgres (no native engine). */
export function createPrismaClient(pool: pg.Pool): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
}
