import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../projectRoot";

const MIGRATIONS_DIR = path.join(PROJECT_ROOT, "prisma", "migrations");

/** Runs one SQL statement and resolves to its rows: Prisma's `$queryRawUnsafe`, or a pg client's query. */
export type RowsQuery = (sql: string) => Promise<unknown[]>;

/** The migrations this build was written for: the folders in prisma/migrations/. */
export function committedMigrations(): string[] {
  return fs
    .readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/** What Prisma records in `_prisma_migrations.checksum` for a migration: the SHA-256 (hex) of its migration.sql. */
export function migrationChecksum(name: string): string {
  return crypto
    .createHash("sha256")
    .update(fs.readFileSync(path.join(MIGRATIONS_DIR, name, "migration.sql")))
    .digest("hex");
}

/**
 * The migrations the database has finished applying (and not rolled back), by name, with the
 * checksum recorded for each, from Prisma's own bookkeeping table. A database that was never
 * migrated has no such table: none is applied.
 */
async function appliedMigrations(query: RowsQuery): Promise<Map<string, string>> {
  const [table] = (await query(`SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS "present"`)) as Array<{ present: boolean }>;
  if (!table?.present) return new Map();
  const rows = (await query(
    `SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
  )) as Array<{ migration_name: string; checksum: string }>;
  return new Map(rows.map((row) => [row.migration_name, row.checksum]));
}

/** The committed migrations that the database has not (successfully) applied. */
export async function pendingMigrations(query: RowsQuery, committed: readonly string[]): Promise<string[]> {
  const applied = await appliedMigrations(query);
  return committed.filter((name) => !applied.has(name));
}

/** How the database stands against the committed migrations. */
export interface MigrationState {
  /** Committed, not applied. */
  pending: string[];
  /** Applied from a migration.sql other than the one committed now: changed after it ran. */
  changed: string[];
}

/**
 * Compares the database with the committed migrations, by name and by checksum. With nothing
 * pending and nothing changed, `prisma migrate deploy` would have nothing to do, and the start-up
 * skips it (it takes seconds even then).
 */
export async function migrationState(query: RowsQuery): Promise<MigrationState> {
  const applied = await appliedMigrations(query);
  const committed = committedMigrations();
  return {
    pending: committed.filter((name) => !applied.has(name)),
    changed: committed.filter((name) => applied.has(name) && applied.get(name) !== migrationChecksum(name)),
  };
}
