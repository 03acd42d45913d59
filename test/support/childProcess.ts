import { spawn, type ChildProcess } from "node:child_process";
import { PROJECT_ROOT } from "../../src/projectRoot";

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment for programs the tests start: the test run's NODE_OPTIONS
 * (--experimental-vm-modules, for Jest) is no business of theirs.
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _jestOnly, ...env } = process.env;
  return { ...env, ...extra };
}

/**
 * Runs a command in the repository to its end and collects what it printed. `input`, when given,
 * is typed in once it is ready (say, a link from a mail the command made the server send); if it
 * fails instead, the command is ended and the run rejects with that failure.
 */
export function run(command: string, args: string[], env = childEnv(), input?: Promise<string>): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: PROJECT_ROOT, env, stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
    // Without input the command reads an empty stdin, as with `< /dev/null`. A command that has
    // exited unread makes the write fail (EPIPE): what it printed tells why, so that is ignored.
    child.stdin.on("error", () => undefined);
    (input ?? Promise.resolve("")).then(
      (text) => child.stdin.end(text),
      (error: unknown) => {
        reject(error instanceof Error ? error : new Error(String(error)));
        child.kill("SIGTERM");
      },
    );
  });
}

/** Ends a long-running child and waits until it has gone. */
export function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}
