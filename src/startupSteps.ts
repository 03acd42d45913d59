import type { Logger } from "./logger";

/** How often a step that is still running says so: a start-up is never silent for longer. */
const STILL_RUNNING_EVERY_MS = 3_000;

/**
 * Runs one step of the start-up (starting PostgreSQL, applying migrations, ...): logs what it
 * starts, then "still <step>" every few seconds until it is done, so that whoever watches a slow
 * start sees what it waits for.
 */
export async function startupStep<T>(logger: Logger, step: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  logger.info({ step }, step);
  const ticker = setInterval(() => {
    logger.info({ step, seconds: Math.round((Date.now() - started) / 1000) }, `still ${step}…`);
  }, STILL_RUNNING_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(ticker);
  }
}
