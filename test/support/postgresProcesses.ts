import fs from "node:fs";
import path from "node:path";

export interface PostgresProcess {
  pid: number;
  /** What PostgreSQL shows in `ps`, such as "postgres: checkpointer". */
  title: string;
}

/**
 * The processes of the PostgreSQL cluster in `clusterDir`, read from /proc: its postmaster (the
 * first line of postmaster.pid) and the postmaster's children (the backends and background
 * workers), so that a test can kill or freeze exactly that cluster and nothing else.
 */
export function postgresProcesses(clusterDir: string): { postmaster: number; children: PostgresProcess[] } {
  const postmaster = Number(fs.readFileSync(path.join(clusterDir, "postmaster.pid"), "utf8").split("\n")[0]);
  const children: PostgresProcess[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    let title: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      title = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ").trim();
    } catch {
      continue; // gone meanwhile
    }
    // "pid (name) state ppid ...": the name may hold spaces and parentheses, so read after the last ")".
    const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (parent === postmaster) children.push({ pid: Number(entry), title });
  }
  return { postmaster, children };
}

/**
 * Sends `signal` to the postmaster, then to every child it has: the whole cluster. The postmaster
 * goes first so that, stopped, it cannot start a backend that the scan would miss.
 */
export function signalCluster(clusterDir: string, signal: NodeJS.Signals): void {
  process.kill(postgresProcesses(clusterDir).postmaster, signal);
  for (const { pid } of postgresProcesses(clusterDir).children) {
    try {
      process.kill(pid, signal);
    } catch {
      // A backend that ended meanwhile.
    }
  }
}
