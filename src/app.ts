import type { AddressInfo } from "node:net";
import { scheduleSessionCleanup } from "./auth/sessions/cleanup";
import { SigningKeys } from "./auth/tokens/signingKeys";
import { createAuthCaching } from "./authCaching";
import type { Config } from "./config";
import { committedMigrations } from "./db/migrationStatus";
import { closeDatabasePool, connectionSettings, createDatabasePool, createPrismaClient } from "./db/prismaClient";
import type { PrismaClient } from "./generated/prisma/client";
import { createApolloServer } from "./graphql/apolloServer";
import { buildApiSchema } from "./graphql/schema";
import { DevIdentityProvider } from "./http/devIdentityProvider";
import { closeGracefully } from "./http/gracefulClose";
import { createHttpServer } from "./http/httpServer";
import { ensurePortFree, portRefusal } from "./http/portCheck";
import { GRAPHQL_PATH } from "./http/paths";
import { Readiness } from "./http/readiness";
import { attachSubscriptionServer } from "./http/subscriptionServer";
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
   * Resolves once every mail asked for so far has been sent or has failed. Mail goes out after
   * the answer; this is how a caller (a test) knows that one did not, without sleeping.
   */
  mailIdle(): Promise<void>;
  /**
   * Graceful shutdown: report unready, close the subscriptions' sockets (1001), stop accepting, let in-flight requests finish (at most
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
  await ensurePortFree(config.http.port, config.http.host);
  const database = await prepareDatabase(config.database, config.jwt.secret, logger);
  // What is open so far, each pushed as it opens. stop() closes them all, and so does a start
  // that fails half-way, last opened first: nothing is closed while something opened after it
  // may still use it (the mail and the listener need the database, which closes last).
  const closers: Closer[] = [];
  try {
    const { embedded } = database;
    if (embedded) {
      closers.push(async () => {
        await embedded.stop();
        logger.info("embedded PostgreSQL stopped");
      });
    }
    const pool = createDatabasePool(database.url, config.database, logger);
    const prisma = createPrismaClient(pool);
    closers.push(async () => {
      await prisma.$disconnect();
      // Prisma ends the pool it has used; one it never connected through is still ours to end.
      await closeDatabasePool(pool);
    });
    const { listener, authCache } = createAuthCaching(config, connectionSettings(database.url, config.database), logger, now);
    closers.push(() => listener.stop());
    await listener.start();
    const signingKeys = SigningKeys.fromConfig(config.jwt, database.jwtSecret);
    const mailer = Mailer.fromConfig(config.mail, logger);
    closers.push(async () => {
      // Mail of answered requests still goes out; its work needs the database, closed after it.
      await mailer.idle();
      mailer.close();
    });
    if (config.env === "production" && config.mail.smtpUrl === undefined) {
      // Allowed (a deployment may not mail at all), but then no user ever gets a link: say so once.
      logger.warn({ mailDir: config.mail.fileDir }, "SMTP_URL is not set: account mail is written to files, not sent");
    }
    const services = createServices({ config, prisma, pool, jwtSecret: database.jwtSecret, signingKeys, mailer, authCache, now, logger });
    listener.observe(services.liveEvents);
    const readiness = new Readiness(prisma, committedMigrations(), authCache?.listener, logger);
    // One schema, with its rules, for HTTP and the subscriptions' WebSocket.
    const schema = buildApiSchema();
    const apollo = createApolloServer(config.http, logger, schema);
    await apollo.start();
    closers.push(() => apollo.stop());
    closers.push(
      scheduleSessionCleanup(
        prisma,
        {
          intervalSeconds: config.sessions.cleanupIntervalSeconds,
          batchSize: config.sessions.cleanupBatchSize,
          pauseFactor: config.sessions.cleanupPauseFactor,
          securityEventRetentionSeconds: config.sessions.securityEventRetentionSeconds,
        },
        now,
        logger,
      ),
    );
    let devIdentityProvider: DevIdentityProvider | undefined;
    const server = createHttpServer({
      config: config.http,
      apollo,
      services,
      signingKeys,
      logger,
      readiness,
      now,
      devIdentityProvider: () => devIdentityProvider,
    });
    const subscriptions = attachSubscriptionServer(server, { config: config.http, schema, services, readiness, logger, now });
    closers.push(() => subscriptions.close());
    await new Promise<void>((resolve, reject) => {
      // Taken since the check above: said the same way.
      server.once("error", (error) => reject(portRefusal(error, config.http.port) ?? error));
      server.listen(config.http.port, config.http.host, resolve);
    });
    const { port } = server.address() as AddressInfo;
    const host = config.http.host === "0.0.0.0" || config.http.host === "::" ? "localhost" : config.http.host;
    // Callback URLs and the development provider's issuer name the API's address, known only now.
    services.identityProviders.useListeningUrl(`http://${host}:${port}`);
    const devClient = services.identityProviders.devClient();
    if (devClient) {
      devIdentityProvider = await DevIdentityProvider.create(devClient);
      logger.info({ issuer: devClient.issuer }, "development identity provider on (OIDC_DEV_PROVIDER): any email signs in");
    }
    return {
      url: `http://${host}:${port}${GRAPHQL_PATH}`,
      port,
      databaseUrl: database.url,
      prisma,
      mailIdle: () => mailer.idle(),
      async stop() {
        readiness.startDraining();
        // Sockets first: an open one would hold the HTTP server's close until the timeout. Clients reconnect elsewhere.
        await subscriptions.close();
        const drained = await closeGracefully(server, config.shutdownTimeoutSeconds * 1000);
        if (!drained) logger.warn({ timeoutSeconds: config.shutdownTimeoutSeconds }, "shutdown timeout: open requests were cut");
        await closeInReverse(closers, logger);
      },
    };
  } catch (error) {
    await closeInReverse(closers, logger);
    throw error;
  }
}

type Closer = () => void | Promise<void>;

/** Runs the closers last-pushed first. One that fails is logged and the rest still run: a mailer that fails to close must not leave PostgreSQL running. */
async function closeInReverse(closers: Closer[], logger: Logger): Promise<void> {
  for (const close of [...closers].reverse()) {
    try {
      await close();
    } catch (error) {
      logger.warn({ err: error }, "closing a part of the app failed; closing the rest");
    }
  }
}
