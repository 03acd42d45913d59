import cluster, { type Worker } from "node:cluster";
import type { Config } from "./config";
import { ensurePortFree } from "./http/portCheck";
import type { Logger } from "./logger";
import { prepareDatabase, type PreparedDatabase } from "./prepareDatabase";
import { exitGracefullyOnSignals } from "./shutdownSignals";

/** What a worker tells the primary once it listens. */
export interface WorkerReady {
  ready: string;
}

/**
 * WEB_CONCURRENCY=N: this process serves nothing itself; it owns what must exist once (the
 * embedded PostgreSQL, the migrations, the development JWT secret) and runs N workers of the
 * same program, which share the port (node:cluster hands out connections round-robin). The
 * workers are as independent as N processes behind a proxy: each has its own pool and its own
 * auth cache, kept fresh by PostgreSQL notifications.
 *
 * On SIGTERM/SIGINT it passes SIGTERM to every worker, waits until all have drained and exited,
 * and only then stops the embedded PostgreSQL. A worker that dies after it was ready is
 * replaced; one that dies before ever being ready stops the whole thing, as a broken start-up
 * would only repeat.
 */
export async function runClusterPrimary(config: Config, logger: Logger): Promise<void> {
  // As in a single process, signals are handled from the start (see main.ts).
  let prepared: Promise<PreparedDatabase> | undefined;
  const stopping = exitGracefullyOnSignals(logger, config.shutdownTimeoutSeconds, async () => {
    const embedded = (await prepared!.catch(() => undefined))?.embedded;
    const workers = Object.values(cluster.workers ?? {}).filter((worker) => worker !== undefined && !worker.isDead());
    await Promise.all(
      workers.map((worker) => {
        const exited = new Promise((resolve) => worker!.once("exit", resolve));
        worker!.process.kill("SIGTERM");
        return exited;
      }),
    );
    await embedded?.stop();
    if (embedded) logger.info("embedded PostgreSQL stopped");
  });
  // Once, before any worker starts: N workers must not race to start PostgreSQL, migrate or make the
  // secret. The port is checked first, as in a single process (src/app.ts).
  prepared = ensurePortFree(config.http.port, config.http.host).then(() => prepareDatabase(config.database, config.jwt.secret, logger));
  const database = await prepared;
  if (stopping()) return;

  const workerEnv = { DATABASE_URL: database.url, MIGRATE_ON_START: "false" };
  const ready = new Set<number>();
  cluster.on("message", (worker: Worker, message: Partial<WorkerReady> | null) => {
    if (typeof message?.ready !== "string" || ready.has(worker.id)) return;
    ready.add(worker.id);
    if (ready.size === config.webConcurrency) {
      logger.info({ url: message.ready, env: config.env, workers: config.webConcurrency }, "GraphQL API ready");
    }
  });
  cluster.on("exit", (worker, code, signal) => {
    if (stopping()) return;
    if (!ready.has(worker.id)) {
      logger.error({ worker: worker.id, code, signal }, "a worker failed to start; stopping");
      process.kill(process.pid, "SIGTERM");
      return;
    }
    ready.delete(worker.id);
    logger.error({ worker: worker.id, code, signal }, "a worker died; starting another");
    cluster.fork(workerEnv);
  });
  for (let i = 0; i < config.webConcurrency; i++) cluster.fork(workerEnv);
}
