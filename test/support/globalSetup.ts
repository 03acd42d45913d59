import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startEmbeddedPostgres } from "../../src/db/embeddedPostgres";
import { applyMigrations } from "../../src/db/migrations";

export default async function globalSetup(): Promise<void> {
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    // A fresh cluster per run, thrown away at the end.
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "auth-api-test-"));
    const db = await startEmbeddedPostgres(dataDir);
    (globalThis as { testDatabase?: TestDatabase }).testDatabase = {
      async stop() {
        await db.stop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
    databaseUrl = db.url;
  }
  await applyMigrations(databaseUrl);
  // Test files run in worker processes that inherit this environment.
  process.env.TEST_DATABASE_URL = databaseUrl;
  // The test servers' DATA_DIR: with no SMTP_URL, their mail lands in its mail/ folder as .eml files.
  process.env.TEST_DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "auth-api-test-data-"));
}

interface TestDatabase {
  stop(): Promise<void>;
}
