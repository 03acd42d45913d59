import { startApp, type RunningApp } from "./app";
import { ConfigError, loadConfig } from "./config";
import { createLogger } from "./logger";

/** Beyond SHUTDOWN_TIMEOUT, closing the pool and PostgreSQL get this long before the process gives up. */
const SHUTDOWN_GRACE_MS = 15_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);

  // Signals are ours from the start: one that arrives while the app is still starting waits for
  // it to be up, then stops it the same orderly way (requests, pool, embedded PostgreSQL).
  let app: Promise<RunningApp> | undefined;
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down: finishing in-flight requests");
    setTimeout(() => {
      logger.error("shutdown did not finish in time; exiting");
      process.exit(1);
    }, config.shutdownTimeoutSeconds * 1000 + SHUTDOWN_GRACE_MS).unref();
    app!
      .then((running) => running.stop())
      .then(
        () => {
          logger.info("stopped");
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, "shutdown failed");
          process.exit(1);
        },
      );
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);

  app = startApp(config, { logger });
  const running = await app;
  if (stopping) return;
  logger.info({ url: running.url, env: config.env }, "GraphQL API ready");
  if (config.landingPage) console.log(`\n  GraphQL API ready: open ${running.url} for Apollo Sandbox\n`);
}

main().catch((error: unknown) => {
  // Configuration errors already say what to set; anything else gets its stack for the operator.
  console.error(error instanceof ConfigError ? `Configuration error: ${error.message}` : error);
  process.exit(1);
});
