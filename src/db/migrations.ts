import { spawn } from "node:child_process";
import pg from "pg";
import type { Logger } from "../logger";
import { PROJECT_ROOT } from "../projectRoot";
import { connectionFailure } from "./connectionFailure";
import { startupStep } from "../startupSteps";
import { migrationState, type MigrationState, type RowsQuery } from "./migrationStatus";

/** The lines `prisma migrate deploy` prints once its work is done and recorded. */
const DEPLOY_SUCCEEDED = /^(All migrations have been successfully applied\.|No pending migrations to apply\.)$/m;
/** A deploy that has said nothing conclusive by then is stopped and reported. */
const DEPLOY_TIMEOUT_MS = 120_000;

export interface MigrationOptions {
  /** Hears the steps (checking, applying), each with "still ..." lines while it runs. */
  logger?: Logger;
  /** How long the check waits to connect (DATABASE_CONNECT_TIMEOUT). */
  connectTimeoutSeconds?: number;
}

/**
 * Brings the database to the committed migrations in prisma/migrations/, at every start. When
 * `_prisma_migrations` already lists each of them as applied, from an identical migration.sql,
 * there is nothing to do and the Prisma CLI is not started at all. Otherwise `prisma migrate
 * deploy` applies what is missing (the production-safe command: it never generates or resets
 * anything), and the database is checked again afterwards.
 */
export async function applyMigrations(databaseUrl: string, options: MigrationOptions = {}): Promise<void> {
  const { logger, connectTimeoutSeconds } = options;
  const step = <T>(name: string, work: () => Promise<T>) => (logger ? startupStep(logger, name, work) : work());
  const state = () => withClient(databaseUrl, connectTimeoutSeconds, migrationState);
  const before = await step("checking database migrations", state);
  if (isUpToDate(before)) return;
  await step("applying database migrations", () => migrateDeploy(databaseUrl));
  const after = await state();
  if (after.pending.length > 0) {
    throw new Error(`prisma migrate deploy reported success, yet these migrations are not applied: ${after.pending.join(", ")}`);
  }
  // Prisma applies a migration once and never compares it again; a changed one is a mistake to fix
  // with a new migration. Until then each start runs the CLI (seconds) and says why.
  if (after.changed.length > 0) {
    logger?.warn({ migrations: after.changed }, "these migrations were changed after they were applied; add a new migration instead");
  }
}

function isUpToDate({ pending, changed }: MigrationState): boolean {
  return pending.length === 0 && changed.length === 0;
}

async function withClient<T>(url: string, connectTimeoutSeconds = 5, use: (query: RowsQuery) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutSeconds * 1000 });
  // A connection the server drops while this runs must fail the query, not crash the process.
  client.on("error", () => undefined);
  await client.connect().catch((error: unknown) => {
    throw connectionFailure(url, error);
  });
  try {
    return await use(async (sql) => (await client.query(sql)).rows as unknown[]);
  } finally {
    await client.end();
  }
}

/**
 * Runs `prisma migrate deploy` and ends it as soon as it prints its success line. Its work is
 * done and recorded by then, yet the process would linger about 10 s more: its connection pool
 * keeps an idle timer running (docs/architecture.md, "Start-up").
 */
function migrateDeploy(databaseUrl: string): Promise<void> {
  const prismaCli = require.resolve("prisma/build/index.js");
  return new Promise((resolve, reject) => {
    const cli = spawn(process.execPath, [prismaCli, "migrate", "deploy"], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    let succeeded = false;
    const timeout = setTimeout(() => cli.kill("SIGKILL"), DEPLOY_TIMEOUT_MS);
    const read = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (!succeeded && DEPLOY_SUCCEEDED.test(output)) {
        succeeded = true;
        cli.kill("SIGKILL");
      }
    };
    cli.stdout.on("data", read);
    cli.stderr.on("data", read);
    cli.once("error", reject);
    cli.once("close", (code) => {
      clearTimeout(timeout);
      if (succeeded || code === 0) resolve();
      else reject(new Error(`Applying database migrations failed:\n${output}`.trim()));
    });
  });
}
