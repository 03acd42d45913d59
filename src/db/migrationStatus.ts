import fs from "node:fs";
import path from "node:path";
import type { PrismaClient } from "../generated/prisma/client";
import { PROJECT_ROOT } from "../projectRoot";

const MIGRATIONS_DIR = path.join(PROJECT_ROOT, "prisma", "migrations");

/** The migrations this build was written for: the folders in prisma/migrations/. */
export function committedMigrations(): string[] {
  return fs
    .readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/**
 * The committed migrations that the database has not (successfully) applied, from Prisma's own
 * bookkeeping table. A database that was never migrated has no such table: all are pending.
 */
export async function pendingMigrations(prisma: PrismaClient, committed: readonly string[]): Promise<string[]> {
  const [table] = await prisma.$queryRaw<Array<{ present: boolean }>>`SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS "present"`;
  if (!table?.present) return [...committed];
  const applied = await prisma.$queryRaw<Array<{ migration_name: string }>>`
    SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
  const appliedNames = new Set(applied.map((row) => row.migration_name));
  return committed.filter((name) => !appliedNames.has(name));
}
