import type { AddressInfo } from "node:net";
import path from "node:path";
import type pg from "pg";
import { AccessTokens } from "./auth/accessTokens";
import { AuthService } from "./auth/authService";
import { LoginRateLimiter } from "./auth/loginRateLimiter";
import { PasswordHasher } from "./auth/passwordHashing";
import { deriveRotationKey } from "./auth/refreshTokens";
import { RequestAuthenticator } from "./auth/requestAuthentication";
import { scheduleSessionCleanup } from "./auth/sessionCleanup";
import { SessionService } from "./auth/sessionService";
import { SessionStateCache } from "./auth/sessionStateCache";
import { SessionStateReader } from "./auth/sessionStateReader";
import { SigningKeys } from "./auth/signingKeys";
import { VerifiedAccessTokens } from "./auth/verifiedAccessTokens";
import type { Config } from "./config";
import { AuthChangeListener } from "./db/authChangeListener";
import { startEmbeddedPostgres } from "./db/embeddedPostgres";
import { committedMigrations } from "./db/migrationStatus";
import { applyMigrations } from "./db/migrations";
import { createDatabasePool, createPrismaClient } from "./db/prismaClient";
import type { PrismaClient } from "./generated/prisma/client";
import { createApolloServer } from "./graphql/apolloServer";
import type { Services } from "./graphql/context";
import { closeGracefully } from "./http/gracefulClose";
import { createHttpServer } from "./http/httpServer";
import { GRAPHQL_PATH } from "./http/paths";
import { Readiness } from "./http/readiness";
import type { Logger } from "./logger";
import { readOrCreateSecretFile } from "./secretFile";

export interface RunningApp {
  /** The GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  url: string;
  port: number;
  databaseUrl: string;
  prisma: PrismaClient;
  /**
   * Graceful shutdown: report unready, stop accepting, let in-flight requests finish (at most
   * SHUTDOWN_TIMEOUT), then close the change listener, the Prisma pool and the embedded
   * PostgreSQL, in that order, so that no request loses its database mid-way.
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
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir);
  const databaseUrl = config.databaseUrl ?? embedded!.url;
  if (embedded) logger.info({ dataDir: config.dataDir }, "embedded PostgreSQL started");
  let listener: AuthChangeListener | undefined;
  try {
    if (config.migrateOnStart) await applyMigrations(databaseUrl);
    const pool = createDatabasePool(databaseUrl, config.databasePoolSize, logger);
    const prisma = createPrismaClient(pool);
    const jwtSecret = config.jwtSecret ?? (await readOrCreateSecretFile(path.join(config.dataDir, "jwt-secret")));
    const cache =
      config.authCacheMaxEntries > 0
        ? new SessionStateCache({ maxEntries: config.authCacheMaxEntries, ttlMs: config.authCacheTtlSeconds * 1000, now })
        : undefined;
    listener = cache && new AuthChangeListener({ connectionString: databaseUrl, cache, logger });
    await listener?.start();
    const signingKeys = signingKeysFor(config, jwtSecret);
    const sessionStates = new SessionStateReader(prisma, cache);
    const services = createServices(config, prisma, pool, sessionStates, jwtSecret, signingKeys, now);
    const readiness = new Readiness(prisma, committedMigrations(), listener, logger);
    const stopSessionCleanup = scheduleSessionCleanup(prisma, config.sessionCleanupIntervalSeconds, now, logger);
    const apollo = createApolloServer(config, logger);
    await apollo.start();
    const server = createHttpServer({ config, apollo, services, signingKeys, logger, readiness });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, config.host, resolve);
    });
    const { port } = server.address() as AddressInfo;
    const host = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host;
    return {
      url: `http://${host}:${port}${GRAPHQL_PATH}`,
      port,
      databaseUrl,
      prisma,
      async stop() {
        readiness.startDraining();
        const drained = await closeGracefully(server, config.shutdownTimeoutSeconds * 1000);
        if (!drained) logger.warn({ timeoutSeconds: config.shutdownTimeoutSeconds }, "shutdown timeout: open requests were cut");
        stopSessionCleanup();
        await apollo.stop();
        await listener?.stop();
        await prisma.$disconnect();
        await embedded?.stop();
        if (embedded) logger.info("embedded PostgreSQL stopped");
      },
    };
  } catch (error) {
    await listener?.stop();
    await embedded?.stop();
    throw error;
  }
}

/** ES256/RS256: the configured private keys. HS256: the server secret signs access tokens too. */
function signingKeysFor(config: Config, jwtSecret: string): SigningKeys {
  if (config.jwtAlgorithm === "HS256") return SigningKeys.hmac(jwtSecret);
  return SigningKeys.asymmetric(config.jwtAlgorithm, config.jwtPrivateKeys);
}

function createServices(
  config: Config,
  prisma: PrismaClient,
  pool: pg.Pool,
  sessionStates: SessionStateReader,
  jwtSecret: string,
  keys: SigningKeys,
  now: () => number,
): Services {
  const accessTokens = new AccessTokens({
    keys,
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
    ttlSeconds: config.accessTokenTtlSeconds,
    clockToleranceSeconds: config.clockToleranceSeconds,
    now,
  });
  const passwords = new PasswordHasher(config.bcryptCost, config.bcryptConcurrency);
  const loginRateLimiter = new LoginRateLimiter(pool, {
    maxFailuresPerAccount: config.loginMaxFailuresPerAccount,
    maxFailuresPerIp: config.loginMaxFailuresPerIp,
    windowSeconds: config.loginFailureWindowSeconds,
  });
  const refreshTokenTtlSeconds = config.refreshTokenTtlSeconds;
  return {
    auth: new AuthService({ prisma, passwords, accessTokens, loginRateLimiter, refreshTokenTtlSeconds, now }),
    sessions: new SessionService({
      prisma,
      accessTokens,
      rotationKey: deriveRotationKey(jwtSecret),
      refreshTokenTtlSeconds,
      reuseIntervalSeconds: config.refreshTokenReuseIntervalSeconds,
      now,
    }),
    authenticator: new RequestAuthenticator(sessionStates, verifiedOnce(config, accessTokens, now), now),
    now,
  };
}

/** Access tokens verified once per process while they last; off with the auth cache (AUTH_CACHE_MAX_ENTRIES=0). */
function verifiedOnce(config: Config, accessTokens: AccessTokens, now: () => number): AccessTokens | VerifiedAccessTokens {
  if (config.authCacheMaxEntries === 0) return accessTokens;
  return new VerifiedAccessTokens(accessTokens, {
    maxEntries: config.authCacheMaxEntries,
    ttlMs: config.accessTokenTtlSeconds * 1000,
    clockToleranceSeconds: config.clockToleranceSeconds,
    now,
  });
}
