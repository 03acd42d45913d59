// `npm run user:promote -- <email>`: makes the account with this email an admin. This is how the
// first admin comes to be; after that, admins change roles with the setUserRole mutation. It uses
// the database the server uses: DATABASE_URL, or the embedded PostgreSQL in DATA_DIR, the one a
// running server has started there or, when none runs, one it starts and stops itself.
// Every failure is one line on stderr and exit code 1.
import { UserAdministration } from "../src/auth/users/administration";
import { ConfigError, loadConfig } from "../src/config";
import { connectionFailure } from "../src/db/connectionFailure";
import { closeDatabasePool, createDatabasePool, createPrismaClient } from "../src/db/prismaClient";
import { runningEmbeddedPostgresUrl } from "../src/db/runningEmbeddedPostgres";
import { createLogger } from "../src/logger";
import { openDatabase } from "../src/prepareDatabase";

async function main(): Promise<void> {
  const email = process.argv[2];
  if (!email || process.argv.length > 3) throw new Error("Usage: npm run user:promote -- <email>");
  const config = loadConfig();
  const logger = createLogger("warn");
  const running = config.database.url ? undefined : await runningEmbeddedPostgresUrl(config.database.dataDir);
  const database = running ? { url: running, embedded: undefined } : await openDatabase(config.database, logger);
  const pool = createDatabasePool(database.url, { ...config.database, poolSize: 1 }, logger);
  const prisma = createPrismaClient(pool);
  try {
    // A database that does not answer is said in one line, as at the server's start, not in Prisma's many.
    await pool.query("SELECT 1").catch((error: unknown) => {
      throw connectionFailure(database.url, error);
    });
    const user = await new UserAdministration({ prisma, now: Date.now }).grantAdmin(email);
    console.log(`${user.email} (${user.id}) is now an admin, from their next request on.`);
  } finally {
    await prisma.$disconnect();
    await closeDatabasePool(pool);
    await database.embedded?.stop();
  }
}

main().catch((error: unknown) => {
  // The first line says what happened; what follows (a server's output, a stack) is for a debugger.
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split("\n").find((line) => line.trim() !== "") ?? message;
  console.error(`${error instanceof ConfigError ? "Configuration error: " : ""}${firstLine}`);
  process.exitCode = 1;
});
