import { startApp, type RunningApp } from "../../src/app";
import { loadConfig } from "../../src/config";
import { createLogger, type Logger } from "../../src/logger";

/** The JWT secret of test servers, so that tests can forge tokens the way an attacker would. */
export const TEST_JWT_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789";

/**
 * Starts the real server, in this process, on a free port, against the test run's database.
 * `env` overrides variables exactly as a user would set them; `logger` lets a test read the logs.
 */
export function startTestServer(env: Record<string, string> = {}, now?: () => number, logger?: Logger): Promise<RunningApp> {
  const databaseUrl = process.env.TEST_DATABASE_URL;
  if (!databaseUrl) throw new Error("TEST_DATABASE_URL is unset: run the tests with `npm test`.");
  const config = loadConfig({
    NODE_ENV: "test",
    DATABASE_URL: databaseUrl,
    JWT_SECRET: TEST_JWT_SECRET,
    HOST: "127.0.0.1",
    PORT: "0",
    MIGRATE_ON_START: "false",
    // Mail goes to .eml files there unless a test sets SMTP_URL (test/support/smtpServer.ts).
    DATA_DIR: process.env.TEST_DATA_DIR!,
    // The lowest cost bcrypt allows keeps the suite fast; the cost itself is a setting.
    BCRYPT_COST: "4",
    // Quiet even when a test sets NODE_ENV=production; tests that read the logs pass a logger.
    LOG_LEVEL: "silent",
    // Every suite logs in and signs up from 127.0.0.1 against one database; the per-address limits
    // have their own tests (test/security/loginRateLimit.test.ts, signupLimit.test.ts,
    // passkeyLoginLimit.test.ts), which set them and use distinct addresses; the password reset's
    // has its own in test/api/accountEmails.test.ts.
    LOGIN_MAX_FAILURES_PER_IP: "100000",
    SIGNUP_MAX_PER_IP: "100000",
    PASSKEY_LOGIN_MAX_PER_IP: "100000",
    PASSWORD_RESET_MAX_PER_IP: "100000",
    ...env,
  });
  return startApp(config, { logger: logger ?? createLogger(config.logLevel), now });
}

/**
 * A test server for the whole `describe` block it is called in: started before its first test,
 * stopped after its last. Read its `url` and `prisma`, and wait for its background mail
 * (`mailIdle`), inside tests, once it has started.
 */
export function useTestServer(env: Record<string, string> = {}, now?: () => number): Pick<RunningApp, "url" | "prisma" | "mailIdle"> {
  let app: RunningApp | undefined;
  beforeAll(async () => {
    app = await startTestServer(env, now);
  });
  afterAll(() => app?.stop());
  const started = () => {
    if (!app) throw new Error("The test server is not started yet: use it inside a test or a hook.");
    return app;
  };
  return {
    get url() {
      return started().url;
    },
    get prisma() {
      return started().prisma;
    },
    mailIdle: () => started().mailIdle(),
  };
}
