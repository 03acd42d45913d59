import { spawn, type ChildProcess } from "node:child_process";
import readline from "node:readline";
import { PROJECT_ROOT } from "../../src/projectRoot";
import { childEnv } from "./childProcess";
import { TEST_JWT_SECRET } from "./testServer";

export interface ChildServer {
  url: string;
  /** The server's base address, for /healthz and /readyz. */
  origin: string;
  process: ChildProcess;
  /** Every JSON log line the process has written so far. */
  logs: Array<Record<string, unknown>>;
  /** Resolves with the exit code once the process has exited and its output is read. */
  exited: Promise<number | null>;
  /** Sends the signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /**
   * Ctrl-C in the terminal it was started from: SIGINT to its whole process group (its own, see
   * `ownProcessGroup`), which reaches every process it started there too.
   */
  interrupt(): Promise<number | null>;
}

export interface ChildServerOptions {
  /** In a process group of its own, as a terminal starts a command, so that `interrupt()` reaches this group only. */
  ownProcessGroup?: boolean;
}

/**
 * Starts `src/main.ts` in a process of its own, exactly as `npm run dev` would, and resolves once
 * it logs that it is ready. By default it uses the test run's PostgreSQL; `env` overrides anything.
 */
export function startChildServer(env: Record<string, string | undefined> = {}, options: ChildServerOptions = {}): Promise<ChildServer> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: PROJECT_ROOT,
    env: {
      ...childEnv(),
      NODE_ENV: "production",
      DATABASE_URL: process.env.TEST_DATABASE_URL,
      JWT_SECRET: TEST_JWT_SECRET,
      HOST: "127.0.0.1",
      PORT: "0",
      MIGRATE_ON_START: "false",
      // Where mail goes as .eml files (see testServer.ts).
      DATA_DIR: process.env.TEST_DATA_DIR,
      BCRYPT_COST: "4",
      // Every suite logs in and signs up from 127.0.0.1 against one database (see testServer.ts):
      // the failed logins of other suites must not lock a child server's logins out.
      LOGIN_MAX_FAILURES_PER_IP: "100000",
      SIGNUP_MAX_PER_IP: "100000",
      PASSKEY_LOGIN_MAX_PER_IP: "100000",
      PASSWORD_RESET_MAX_PER_IP: "100000",
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.ownProcessGroup ?? false,
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = "";
  // "close", not "exit": only then has every line the process wrote been read.
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()));
    readline.createInterface({ input: child.stdout }).on("line", (line) => {
      if (!line.startsWith("{")) return;
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      if (entry.msg !== "GraphQL API ready") return;
      const url = String(entry.url);
      resolve({
        url,
        origin: new URL(url).origin,
        process: child,
        logs,
        exited,
        stop(signal = "SIGTERM") {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
        interrupt() {
          if (!options.ownProcessGroup) throw new Error("interrupt() needs startChildServer(env, { ownProcessGroup: true })");
          if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGINT");
          return exited;
        },
      });
    });
    void exited.then((code) => reject(new Error(`server exited (${code}) before it was ready:\n${stderr}`)));
  });
}
