import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { applyMigrations } from "../../src/db/migrations";
import { committedMigrations, migrationState } from "../../src/db/migrationStatus";
import { PROJECT_ROOT } from "../../src/projectRoot";
import { captureLogs } from "../support/capturedLogs";
import { childEnv, run } from "../support/childProcess";

/** A new, empty database on the test run's PostgreSQL. */
async function emptyDatabase(): Promise<{ url: string; query: (sql: string) => Promise<unknown[]>; drop(): Promise<void> }> {
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  const name = `migrations_${crypto.randomUUID().replaceAll("-", "")}`;
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(process.env.TEST_DATABASE_URL!);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  return {
    url: url.toString(),
    query: async (sql) => (await client.query(sql)).rows as unknown[],
    async drop() {
      await client.end();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}

/**
 * Migrates `url` the way a checkout from before the newest committed migration did: the Prisma
 * CLI, with a config whose migrations folder lacks that migration. The folder sits inside the
 * repository, so that the config finds the project's packages.
 */
async function migrateAsAnOlderCheckout(url: string): Promise<string> {
  const committed = committedMigrations();
  const newest = committed.at(-1)!;
  const older = path.join(PROJECT_ROOT, "test-output", `older-checkout-${process.pid}-${Date.now()}`);
  const migrations = path.join(older, "migrations");
  fs.mkdirSync(migrations, { recursive: true });
  try {
    fs.copyFileSync(path.join(PROJECT_ROOT, "prisma", "migrations", "migration_lock.toml"), path.join(migrations, "migration_lock.toml"));
    for (const name of committed.slice(0, -1)) {
      fs.cpSync(path.join(PROJECT_ROOT, "prisma", "migrations", name), path.join(migrations, name), { recursive: true });
    }
    const config = path.join(older, "prisma.config.ts");
    const projectConfig = fs.readFileSync(path.join(PROJECT_ROOT, "prisma.config.ts"), "utf8");
    fs.writeFileSync(
      config,
      projectConfig
        .replace('"./src/db/migrationAdapter"', JSON.stringify(path.join(PROJECT_ROOT, "src", "db", "migrationAdapter")))
        .replace('path.join("prisma", "schema.prisma")', JSON.stringify(path.join(PROJECT_ROOT, "prisma", "schema.prisma")))
        .replace('path.join("prisma", "migrations")', JSON.stringify(migrations)),
    );
    const cli = require.resolve("prisma/build/index.js");
    const deploy = await run(process.execPath, [cli, "migrate", "deploy", "--config", config], childEnv({ DATABASE_URL: url }));
    expect([deploy.code, deploy.stdout]).toEqual([0, expect.stringContaining(`${committed.length - 1} migrations found`)]);
  } finally {
    fs.rmSync(older, { recursive: true, force: true });
  }
  return newest;
}

describe("migrations at start-up", () => {
  let database: Awaited<ReturnType<typeof emptyDatabase>>;
  beforeEach(async () => {
    database = await emptyDatabase();
  });
  afterEach(() => database.drop());

  const migrate = async () => {
    const logs = captureLogs("info");
    await applyMigrations(database.url, { logger: logs.logger });
    // The steps begun; a slow machine adds "still ..." lines, which say nothing new here.
    return logs
      .lines()
      .map((line) => String(line.msg))
      .filter((msg) => !msg.startsWith("still "));
  };

  test("a migration committed after the database was last migrated is applied at the next start", async () => {
    const newest = await migrateAsAnOlderCheckout(database.url);
    expect(await migrationState(database.query)).toEqual({ pending: [newest], changed: [] });

    expect(await migrate()).toEqual(["checking database migrations", "applying database migrations"]);
    expect(await migrationState(database.query)).toEqual({ pending: [], changed: [] });
  });

  test("a database that has every committed migration is only checked: the Prisma CLI does not run", async () => {
    expect(await migrate()).toContain("applying database migrations");
    expect(await migrate()).toEqual(["checking database migrations"]);
  });

  test("a migration changed after it was applied is not taken as applied: the CLI runs, and the log names it", async () => {
    await migrate();
    const [changed] = committedMigrations();
    await database.query(`UPDATE "_prisma_migrations" SET checksum = '${"0".repeat(64)}' WHERE migration_name = '${changed}'`);
    const logs = captureLogs("info");
    await applyMigrations(database.url, { logger: logs.logger });
    expect(logs.lines()).toContainEqual(
      expect.objectContaining({ msg: expect.stringContaining("changed after they were applied"), migrations: [changed] }),
    );
    expect(logs.lines().map((line) => line.msg)).toContain("applying database migrations");
  });
});
