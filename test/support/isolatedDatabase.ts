import crypto from "node:crypto";
import pg from "pg";
import { applyMigrations } from "../../src/db/migrations";

/**
 * A new, migrated database on the test run's PostgreSQL, for tests whose actions reach across
 * all rows (cleanup jobs, restarts) and must not touch what other test files are doing.
 */
export async function createIsolatedDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) throw new Error("TEST_DATABASE_URL is unset: run the tests with `npm test`.");
  const name = `test_${crypto.randomUUID().replaceAll("-", "")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await applyMigrations(url.toString());
  return {
    url: url.toString(),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}
