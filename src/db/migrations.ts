import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { PROJECT_ROOT } from "../projectRoot";

const run = promisify(execFile);

/**
 * Applies the committed migrations in prisma/migrations/ with `prisma migrate deploy` (the
 * production-safe command: it never generates or resets anything). Already applied migrations
 * are skipped, so this runs at every start.
 */
export async function applyMigrations(databaseUrl: string): Promise<void> {
  const prismaCli = require.resolve("prisma/build/index.js");
  try {
    await run(process.execPath, [prismaCli, "migrate", "deploy"], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
      timeout: 120_000,
    });
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(`Applying database migrations failed:\n${stdout}${stderr}`.trim(), { cause: error });
  }
}
