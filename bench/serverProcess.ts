import { spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { PROJECT_ROOT } from "../src/projectRoot";

/**
 * The API as it runs in production, on an embedded PostgreSQL in a fresh temp folder.
 */
export function productionServerEnv(purpose: string): { dataDir: string; env: Record<string, string> } {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `auth-api-${purpose}-`));
  const env = {
    NODE_ENV: "production",
    JWT_SECRET: crypto.randomBytes(48).toString("base64url"),
    DATA_DIR: dataDir,
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "info",
  };
  return { dataDir, env };
}

export interface ServerProcess {
  origin: string;
  pid: number;
  child: ChildProcess;
  /** The last few thousand characters of its stderr (where `node --inspect` says where it listens). */
  stderr(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Stops every server this process started and has not stopped yet: a failed run leaves none behind. */
export async function stopAllServers(): Promise<void> {
  await Promise.all(
    [...running].map((child) => {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      return exited;
    }),
  );
}

/**
 * Starts a server process and resolves once its stdout says where it listens: either the API's
 * "GraphQL API ready" log line or a ceiling server's {"port": N}. The rest of stdout (the API's
 * request log) is read and dropped, as a log shipper would.
 */
export function startServerProcess(args: string[], env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-4000)));
  running.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      running.delete(child);
      resolve();
    }),
  );
  return new Promise((resolve, reject) => {
    let ready = false;
    readline.createInterface({ input: child.stdout }).on("line", (line) => {
      if (ready || !line.startsWith("{")) return;
      const entry = JSON.parse(line) as { msg?: string; url?: string; port?: number };
      const origin =
        entry.msg === "GraphQL API ready" ? new URL(entry.url!).origin : entry.port ? `http://127.0.0.1:${entry.port}` : undefined;
      if (!origin) return;
      ready = true;
      resolve({
        origin,
        pid: child.pid!,
        child,
        stderr: () => stderr,
        async stop() {
          child.kill("SIGTERM");
          await exited;
        },
      });
    });
    void exited.then(() => reject(new Error(`${args.join(" ")} exited before it was ready:\n${stderr}`)));
  });
}

/** Resident set size of a process in MB, from /proc (Linux). */
export function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return Math.round((kb / 1024) * 10) / 10;
}
