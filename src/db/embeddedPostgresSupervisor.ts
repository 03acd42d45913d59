import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../logger";
import { startEmbeddedPostgres, type EmbeddedPostgres, type EmbeddedPostgresOptions } from "./embeddedPostgres";

export interface SupervisedPostgres {
  /** Connection string for the application database; the same across restarts. */
  url: string;
  /** Stops supervising, then shuts the server down cleanly. */
  stop(): Promise<void>;
}

/** The first wait before a restart; it doubles after each failed or short-lived start, up to the maximum. */
const FIRST_RESTART_DELAY_MS = 250;
const MAX_RESTART_DELAY_MS = 10_000;
/** A server that ran this long before dying is restarted after the first delay again, not a longer one. */
const STABLE_AFTER_MS = 60_000;

/**
 * Starts the embedded PostgreSQL and keeps it running: when the postmaster exits without being
 * asked to (kill -9, a crash, PostgreSQL stopping itself on a full disk), the death is logged and
 * the server started again, with backoff, on the same port, so that the pool's connection string
 * stays valid and the pool reconnects by itself. Meanwhile requests fail fast with
 * SERVICE_UNAVAILABLE and /readyz says "database unreachable".
 *
 * After a kill -9, PostgreSQL's own interlocks decide when a restart is safe: a postmaster.pid
 * naming a dead process is removed by the new server itself, and the new server refuses to start
 * while any backend of the old one is still attached to its shared memory (each exits on its
 * own once it notices that its postmaster is gone). A refused start is simply tried again later,
 * as is one that fails because the disk is still full. The first start is not retried: failing
 * then is a setup problem, which only repeats.
 */
export async function superviseEmbeddedPostgres(
  dataDir: string,
  logger: Logger,
  { ownProcessGroup }: Pick<EmbeddedPostgresOptions, "ownProcessGroup"> = {},
): Promise<SupervisedPostgres> {
  let current = await startEmbeddedPostgres(dataDir, { ownProcessGroup });
  const stopping = new AbortController();
  let restarting: Promise<void> | undefined;
  let delayMs = FIRST_RESTART_DELAY_MS;

  const watch = (server: EmbeddedPostgres) => {
    const startedAt = Date.now();
    void server.exited.then(({ code, signal, output }) => {
      if (stopping.signal.aborted) return;
      const diedAt = Date.now();
      logger.error({ pid: server.pid, code, signal, output: lastLines(output) }, "embedded PostgreSQL died; restarting it");
      if (diedAt - startedAt >= STABLE_AFTER_MS) delayMs = FIRST_RESTART_DELAY_MS;
      restarting = restart(server.port, diedAt);
    });
  };

  const restart = async (port: number, diedAt: number) => {
    for (let attempt = 1; ; attempt++) {
      await sleep(delayMs, undefined, { signal: stopping.signal }).catch(() => undefined);
      if (stopping.signal.aborted) return;
      delayMs = Math.min(delayMs * 2, MAX_RESTART_DELAY_MS);
      try {
        current = await startEmbeddedPostgres(dataDir, { port, ownProcessGroup });
      } catch (error) {
        logger.warn({ err: error, attempt, retryInMs: delayMs }, "embedded PostgreSQL did not restart; trying again");
        continue;
      }
      logger.info({ pid: current.pid, attempt, downMs: Date.now() - diedAt }, "embedded PostgreSQL restarted");
      watch(current);
      return;
    }
  };

  watch(current);
  return {
    url: current.url,
    async stop() {
      stopping.abort();
      // A start under way is let finish, so that the server it brings up is the one stopped.
      await restarting;
      await current.stop();
    },
  };
}

/** The server's last few lines: enough to say why it died, short enough for one log entry. */
function lastLines(output: string): string {
  return output.trimEnd().split("\n").slice(-10).join("\n");
}
