import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client";

/**
 * The application's Prisma client: queries compiled in-process and sent through node-postgres
 * (no native engine). A short connection timeout makes requests fail fast while the database is
 * down instead of piling up.
 */
export function createPrismaClient(connectionString: string, poolSize: number): PrismaClient {
  const adapter = new PrismaPg({ connectionString, max: poolSize, connectionTimeoutMillis: 5_000 });
  return new PrismaClient({ adapter });
}
