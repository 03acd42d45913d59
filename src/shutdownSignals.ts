import type { Logger } from "./logger";

/** Beyond SHUTDOWN_TIMEOUT, closing pools, workers and PostgreSQL get this long before the process gives up. */
const SHUTDOWN_GRACE_MS = 15_000;

/**
 * On the first SIGTERM or SIGINT, runs `stop` once, then exits: 0 when it finished, 1 when it
 * failed or did not finish within the timeout plus a grace period. Later signals are ignored,
 * so an impatient second Ctrl-C cannot cut the database off mid-shutdown.
 * Returns a function that says whether shutdown has begun.
 */
export function exitGracefullyOnSignals(logger: Logger, timeoutSeconds: number, stop: () => Promise<void>): () => boolean {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down: finishing in-flight requests");
    setTimeout(
      () => {
        logger.error("shutdown did not finish in time; exiting");
        exitAfterLogs(logger, 1);
      },
      timeoutSeconds * 1000 + SHUTDOWN_GRACE_MS,
    ).unref();
    stop().then(
      () => {
        logger.info("stopped");
        exitAfterLogs(logger, 0);
      },
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        exitAfterLogs(logger, 1);
      },
    );
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
  return () => stopping;
}

/**
 * process.exit does not wait for stdout; a pipe that is momentarily full would lose the last
 * lines. A stdout that is gone (the reader died) must not keep the process alive, though.
 */
function exitAfterLogs(logger: Logger, code: number): void {
  setTimeout(() => process.exit(code), 1_000).unref();
  logger.flush(() => process.exit(code));
}
