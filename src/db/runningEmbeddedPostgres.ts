import fs from "node:fs/promises";
import path from "node:path";
import { clusterFolder, databaseUrl, passwordFile } from "./embeddedPostgres";

/**
 * The connection string of the embedded PostgreSQL that runs on this DATA_DIR already (a server's),
 * or undefined when none does. PostgreSQL keeps `postmaster.pid` in its data folder while it runs:
 * the postmaster's process id on the first line, its port on the fourth. A second server cannot
 * start on a folder in use, so a command such as `npm run user:promote` connects to this one.
 * A file left by a postmaster that died (a kill -9) names a process that is gone: no server.
 */
export async function runningEmbeddedPostgresUrl(dataDir: string): Promise<string | undefined> {
  const pidFile = await readIfPresent(path.join(clusterFolder(dataDir), "postmaster.pid"));
  if (pidFile === undefined) return undefined;
  const lines = pidFile.split("\n");
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port) || !isAlive(pid)) return undefined;
  const password = await fs.readFile(passwordFile(dataDir), "utf8");
  return databaseUrl(password.trim(), port);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: nothing is sent, only whether the process exists
    return true;
  } catch (error) {
    // EPERM: it exists, under another user (PostgreSQL runs as "postgres" when started by root).
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
