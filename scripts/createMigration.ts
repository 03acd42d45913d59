// Writes a new migration from the difference between the committed migrations and
// prisma/schema.prisma: `npm run db:migration -- <name>`.
//
// `prisma migrate dev` needs the native schema engine, which cannot be downloaded here, so this
// does the same job with the JS engine: `prisma migrate diff` replays the committed migrations on
// a throw-away embedded PostgreSQL and compares the result with the schema.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startEmbeddedPostgres } from "../src/db/embeddedPostgres";

async function main(): Promise<void> {
  const name = process.argv[2];
  if (!name || !/^[a-z0-9_]+$/.test(name)) {
    throw new Error("Usage: npm run db:migration -- <name_in_snake_case>");
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "migration-"));
  // `migrate diff --from-migrations` needs the lock file, even before the first migration.
  const lock = path.join("prisma", "migrations", "migration_lock.toml");
  if (!fs.existsSync(lock)) {
    fs.mkdirSync(path.dirname(lock), { recursive: true });
    fs.writeFileSync(lock, 'provider = "postgresql"\n');
  }
  const db = await startEmbeddedPostgres(scratch);
  try {
    const sql = execFileSync(
      process.execPath,
      [
        require.resolve("prisma/build/index.js"),
        "migrate",
        "diff",
        "--from-migrations",
        "prisma/migrations",
        "--to-schema-datamodel",
        "prisma/schema.prisma",
        "--script",
      ],
      { env: { ...process.env, DATABASE_URL: db.url }, encoding: "utf8" },
    );
    if (!/^\s*(CREATE|ALTER|DROP)/m.test(sql)) {
      console.log("The schema matches the migrations: nothing to write.");
      return;
    }
    const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
    const dir = path.join("prisma", "migrations", `${stamp}_${name}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "migration.sql"), sql);
    console.log(`Wrote ${dir}/migration.sql`);
  } finally {
    await db.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
