import type { AddressInfo } from "node:net";
import { scheduleSessionCleanup } from "./auth/sessions/cleanup";
import { SigningKeys } from "./auth/tokens/signingKeys";
import { createAuthCaching, type AuthCaching } from "./authCaching";
import type { Config } from "./config";
import { committedMigrations } from "./db/migrationStatus";
import { connectionSettings, createDatabasePool, createPrismaClient } from "./db/prismaClient";
import type { PrismaClient } from "./generated/prisma/client";
import { createApolloServer } from "./graphql/apolloServer";
import { closeGracefully } from "./http/gracefulClose";
import { createHttpServer } from "./http/httpServer";
import { GRAPHQL_PATH } from "./http/paths";
import { Readiness } from "./http/readiness";
import type { Logger } from "./logger";
import { Mailer } from "./mail/mailer";
import { prepareDatabase } from "./prepareDatabase";
import { createServices } from "./services";

export interface RunningApp {
  /** The GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  url: string;
  port: number;
  databaseUrl: string;
  prisma: PrismaClient;
  /**
   * Graceful shutdown: report unready, stop accepting, let in-flight requests finish (at most
   * SHUTDOWN_TIMEOUT), let the mail they asked for go out, then close the change listener, the
   * Prisma pool and the embedded PostgreSQL, in that order, so that no request loses its database
   * mid-way.
   */
  stop(): Promise<void>;
}

export interface AppOptions {
  logger: Logger;
  /** Milliseconds since the epoch; tests replace it to move time. */
  now?: () => number;
}

/** Config -> database -> services -> HTTP server, listening. `stop()` undoes it in reverse. */
export async function startApp(config: Config, { logger, now = Date.now }: AppOptions): Promise<RunningApp> {
  const database = await prepareDatabase(config.database, config.jwt.secret, logger);
  const { embedded } = database;
  let authCache: AuthCaching | undefined;
  try {
    const pool = createDatabasePool(database.url, config.database, logger);
    const prisma = createPrismaClient(pool);
    authCache = createAuthCaching(config, connectionSettings(database.url, config.database), logger, now);
    await authCache?.listener.start();
    const signingKeys = SigningKeys.fromConfig(config.jwt, database.jwtSecret);
    const mailer = Mailer.fromConfig(config.mail, logger);
    if (config.env === "production" && config.mail.smtpUrl === undefined) {
      // Allowed (a deployment may not mail at all), but then no user ever gets a link: say so once.
      logger.warn({ mailDir: config.mail.fileDir }, "SMTP_URL is not set: account mail is written to files, not sent");
    }
    const services = createServices({ config, prisma, pool, jwtSecret: database.jwtSecret, signingKeys, mailer, authCache, now });
    const readiness = new Readiness(prisma, committedMigrations(), authCache?.listener, logger);
    const stopSessionCleanup = scheduleSessionCleanup(
      prisma,
      { intervalSeconds: config.sessions.cleanupIntervalSeconds, batchSize: config.sessions.cleanupBatchSize },
      now,
      logger,
    );
    const apollo = createApolloServer(config.http, logger);
    await apollo.start();
    const server = createHttpServer({ config: config.http, apollo, services, signingKeys, logger, readiness, now });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.http.port, config.http.host, resolve);
    });
    const { port } = server.address() as AddressInfo;
    const host = config.http.host === "0.0.0.0" || config.http.host === "::" ? "localhost" : config.http.host;
    return {
      url: `http://${host}:${port}${GRAPHQL_PATH}`,
      port,
      databaseUrl: database.url,
      prisma,
      async stop() {
        readiness.startDraining();
        const drained = await closeGracefully(server, config.shutdownTimeoutSeconds * 1000);
        if (!drained) logger.warn({ timeoutSeconds: config.shutdownTimeoutSeconds }, "shutdown timeout: open requests were cut");
        stopSessionCleanup();
        await apollo.stop();
        // Mail of answered requests still goes out; its work needs the database, closed below.
        await mailer.idle();
        mailer.close();
        await authCache?.listener.stop();
        await prisma.$disconnect();
        await embedded?.stop();
        if (embedded) logger.info("embedded PostgreSQL stopped");
      },
    };
  } catch (error) {
    await authCache?.listener.stop();
    await embedded?.stop();
    throw error;
  }
}
