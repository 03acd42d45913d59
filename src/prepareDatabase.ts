import path from "node:path";
import type { DatabaseConfig } from "./config";
import type { EmbeddedPostgresOptions } from "./db/embeddedPostgres";
import { superviseEmbeddedPostgres, type SupervisedPostgres } from "./db/embeddedPostgresSupervisor";
import { applyMigrations } from "./db/migrations";
import type { Logger } from "./logger";
import { readOrCreateSecretFile } from "./secretFile";
import { startupStep } from "./startupSteps";

export interface PreparedDatabase {
  url: string;
  /** Set when this process started the embedded PostgreSQL (and keeps it running), and so must stop it. */
  embedded: SupervisedPostgres | undefined;
  /** JWT_SECRET, or the development secret kept in DATA_DIR. */
  jwtSecret: string;
}

/**
 * What must exist before the API serves: a database (the embedded PostgreSQL when DATABASE_URL
 * is unset), its migrations (unless MIGRATE_ON_START=false) and the server secret (made once in
 * DATA_DIR when JWT_SECRET is unset, which production refuses). A single process runs this
 * itself; under WEB_CONCURRENCY the primary runs it once, and each worker, given the database's
 * URL and no migrations, only reads the secret the primary made.
 */
export async function prepareDatabase(database: DatabaseConfig, jwtSecret: string | undefined, logger: Logger): Promise<PreparedDatabase> {
  // The server stops the embedded PostgreSQL itself on SIGINT and SIGTERM, after its pool.
  const { url, embedded } = await openDatabase(database, logger, { ownProcessGroup: true });
  try {
    const secret = jwtSecret ?? (await readOrCreateSecretFile(path.join(database.dataDir, "jwt-secret")));
    return { url, embedded, jwtSecret: secret };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

/** The database alone, migrated: what the server needs first, and all that a command like `npm run user:promote` needs. */
export async function openDatabase(
  database: DatabaseConfig,
  logger: Logger,
  options: Pick<EmbeddedPostgresOptions, "ownProcessGroup"> = {},
): Promise<Omit<PreparedDatabase, "jwtSecret">> {
  const embedded = database.url
    ? undefined
    : await startupStep(logger, "starting embedded PostgreSQL", () => superviseEmbeddedPostgres(database.dataDir, logger, options));
  if (embedded) logger.info({ dataDir: database.dataDir }, "embedded PostgreSQL started");
  const url = database.url ?? embedded!.url;
  try {
    if (database.migrateOnStart) await applyMigrations(url, { logger, connectTimeoutSeconds: database.connectTimeoutSeconds });
    return { url, embedded };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}
