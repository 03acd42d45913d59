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
import { SigningKeys } from "./auth/signingKeys";
import type { Config } from "./config";
import { startEmbeddedPostgres } from "./db/embeddedPostgres";
import { applyMigrations } from "./db/migrations";
import { createDatabasePool, createPrismaClient } from "./db/prismaClient";
import type { PrismaClient } from "./generated/prisma/client";
import { createApolloServer } from "./graphql/apolloServer";
import type { Services } from "./graphql/context";
import { createHttpServer } from "./http/httpServer";
import { GRAPHQL_PATH } from "./http/paths";
import type { Logger } from "./logger";
import { readOrCreateSecretFile } from "./secretFile";

export interface RunningApp {
  /** The GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  url: string;
  port: number;
  databaseUrl: string;
  prisma: PrismaClient;
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
  try {
    if (config.migrateOnStart) await applyMigrations(databaseUrl);
    const pool = createDatabasePool(databaseUrl, config.databasePoolSize, logger);
    const prisma = createPrismaClient(pool);
    const jwtSecret = config.jwtSecret ?? (await readOrCreateSecretFile(path.join(config.dataDir, "jwt-secret")));
    const signingKeys = signingKeysFor(config, jwtSecret);
    const services = createServices(config, prisma, pool, jwtSecret, signingKeys, now);
    const stopSessionCleanup = scheduleSessionCleanup(prisma, config.sessionCleanupIntervalSeconds, now, logger);
    const apollo = createApolloServer(config, logger);
    await apollo.start();
    const server = createHttpServer({ config, apollo, services, signingKeys, logger });
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
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        stopSessionCleanup();
        await apollo.stop();
        await prisma.$disconnect();
        await embedded?.stop();
      },
    };
  } catch (error) {
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
  const passwords = new PasswordHasher(config.bcryptCost);
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
    authenticator: new RequestAuthenticator(prisma, accessTokens, now),
    now,
  };
}
