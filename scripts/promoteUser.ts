// `npm run user:promote -- <email>`: makes the account with this email an admin. This is how the
// first admin comes to be; after that, admins change roles with the setUserRole mutation. It uses
// the database the server uses: DATABASE_URL, or the embedded PostgreSQL in DATA_DIR (which it
// starts and stops, so the server must not be running on that DATA_DIR meanwhile).
import { UserAdministration } from "../src/auth/users/administration";
import { loadConfig } from "../src/config";
import { createDatabasePool, createPrismaClient } from "../src/db/prismaClient";
import { createLogger } from "../src/logger";
import { openDatabase } from "../src/prepareDatabase";

async function main(): Promise<void> {
  const email = process.argv[2];
  if (!email || process.argv.length > 3) throw new Error("Usage: npm run user:promote -- <email>");
  const config = loadConfig();
  const logger = createLogger("warn");
  const database = await openDatabase(config.database, logger).catch((error: unknown) => {
    if (config.database.url) throw error;
    throw new Error(
      `${(error as Error).message}\nIs the API running on DATA_DIR ${config.database.dataDir}? Stop it first, or set DATABASE_URL.`,
    );
  });
  const prisma = createPrismaClient(createDatabasePool(database.url, { ...config.database, poolSize: 1 }, logger));
  try {
    const user = await new UserAdministration({ prisma, now: Date.now }).grantAdmin(email);
    console.log(`${user.email} (${user.id}) is now an admin, from their next request on.`);
  } finally {
    await prisma.$disconnect();
    await database.embedded?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
