// The subscriptions' scenarios of `npm run bench` (issue 22): what idle authenticated sockets cost
// a server, in memory and in `me` throughput, and how soon a logoutAll closes a user's sockets in
// two server processes on one database. See bench/README.md.
import { spawn } from "node:child_process";
import readline from "node:readline";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { PROJECT_ROOT } from "../src/projectRoot";
import { heapAfterGc, type HeapUsage } from "./heapUsage";
import type { LoadResult } from "./load";
import { signUpOrLogIn } from "./seedUsers";
import { rssMb, type ServerProcess } from "./serverProcess";

/** Idle sockets held open at once, each with one `sessionEvents` subscription. */
export const IDLE_SOCKETS = Number(process.env.BENCH_SOCKETS ?? 5000);
/** A user's sockets in the logoutAll scenario, half on each process; each its own session (a device). */
const USER_SOCKETS = 20;
const LOGOUT_ROUNDS = 3;
/** How long the logoutAll scenario waits for the last socket to close before it calls that a failure. */
const CLOSE_DEADLINE_MS = 10_000;
const SESSION_EVENTS = "subscription SessionEvents { sessionEvents { kind sessionId at reason } }";

/** The socket URL of a server: ws://127.0.0.1:PORT/graphql. */
const socketUrl = (server: ServerProcess) => `${server.origin.replace(/^http/, "ws")}/graphql`;

export interface IdleSockets {
  sockets: number;
  /** The server's RSS and heap (after a full collection) before the sockets opened and while they are held. */
  before: HeapUsage & { rssMb: number };
  held: HeapUsage & { rssMb: number };
  rssKbPerSocket: number;
  heapKbPerSocket: number;
  /** `me` without the sockets and with them, alternately, PAIRS times each, as `measureMe` reported it. */
  meWithout: LoadResult[];
  meWith: LoadResult[];
  /** Requests with the sockets over requests without, summed over the pairs. */
  meShareWithSockets: number;
}

/** Runs of `me` without and with the sockets, alternated: the machine's spare capacity drifts between runs. */
const PAIRS = 2;

/**
 * `me` on `server` without sockets, then with IDLE_SOCKETS idle ones (opened by another process,
 * bench/socketHolder.ts, with `authorizations` round-robin), PAIRS times; and the server's memory
 * before and with them (the first time). `measureMe(label)` runs and reports one `me` load.
 */
export async function measureIdleSockets(
  server: ServerProcess,
  authorizations: string[],
  measureMe: (label: string) => Promise<LoadResult>,
): Promise<IdleSockets> {
  const memory = async () => ({ ...(await heapAfterGc(server)), rssMb: rssMb(server.pid) });
  // A fresh process: JIT and the auth cache warm up first, or the first run measures them.
  await measureMe("me, warm-up (not counted)");
  const before = await memory();
  let held: IdleSockets["held"] | undefined;
  const meWithout: LoadResult[] = [];
  const meWith: LoadResult[] = [];
  for (let pair = 0; pair < PAIRS; pair++) {
    meWithout.push(await measureMe("me, no sockets"));
    const opening = performance.now();
    const holder = await holdSockets(socketUrl(server), IDLE_SOCKETS, authorizations);
    try {
      if (!held) {
        held = await memory();
        console.log(
          `${IDLE_SOCKETS} sockets opened in ${Math.round((performance.now() - opening) / 100) / 10} s: ` +
            `RSS ${before.rssMb} -> ${held.rssMb} MB, heap ${before.heapUsedMb} -> ${held.heapUsedMb} MB`,
        );
      }
      meWith.push(await measureMe(`me, ${IDLE_SOCKETS} idle sockets`));
    } finally {
      await holder.stop();
    }
  }
  const kbPerSocket = (mbBefore: number, mbAfter: number) => Math.round(((mbAfter - mbBefore) * 1024 * 10) / IDLE_SOCKETS) / 10;
  const requests = (runs: LoadResult[]) => runs.reduce((sum, run) => sum + run.requests, 0);
  return {
    sockets: IDLE_SOCKETS,
    before,
    held: held!,
    rssKbPerSocket: kbPerSocket(before.rssMb, held!.rssMb),
    heapKbPerSocket: kbPerSocket(before.heapUsedMb + before.externalMb, held!.heapUsedMb + held!.externalMb),
    meWithout,
    meWith,
    meShareWithSockets: Math.round((requests(meWith) / requests(meWithout)) * 100) / 100,
  };
}

/**
 * Starts bench/socketHolder.ts, which opens `count` sockets to `url`; resolves once every one is
 * acknowledged by the server. `stop` closes them all.
 */
async function holdSockets(url: string, count: number, authorizations: string[]): Promise<{ stop(): Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", "bench/socketHolder.ts"], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, SOCKET_URL: url, SOCKETS: String(count), AUTHORIZATIONS: JSON.stringify(authorizations) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    child.kill("SIGTERM");
    await exited;
  };
  const report = await new Promise<{ connected?: number; failed?: string }>((resolve, reject) => {
    readline
      .createInterface({ input: child.stdout })
      .once("line", (line) => resolve(JSON.parse(line) as { connected?: number; failed?: string }));
    void exited.then(() => reject(new Error("the socket holder exited before it said how it went")));
  });
  if (report.connected !== count) {
    await stop();
    throw new Error(`the socket holder opened ${report.connected ?? 0} of ${count} sockets: ${report.failed}`);
  }
  return { stop };
}

export interface LogoutAllRound {
  /** Sockets the server closed with 4401, of USER_SOCKETS. */
  closed: number;
  /** From sending logoutAll to its answer. */
  answerMs: number;
  /** From sending logoutAll to the last socket's close, on either process. */
  maxCloseMs: number;
  /** The same, per process: the first served the logoutAll, the second heard of it through PostgreSQL. */
  maxCloseMsByProcess: [number, number];
}

/**
 * LOGOUT_ROUNDS times: a new user signs in USER_SOCKETS times (as many devices), each session's
 * socket alternately on one and the other of `servers`, each with a `sessionEvents`
 * subscription; then a logoutAll over HTTP on the first server, timed until the last socket is closed.
 */
export async function measureLogoutAll(servers: [ServerProcess, ServerProcess]): Promise<LogoutAllRound[]> {
  const rounds: LogoutAllRound[] = [];
  for (let round = 0; round < LOGOUT_ROUNDS; round++) {
    const email = `bench-devices-${Date.now()}-${round}@example.com`;
    const sessions = [];
    // One after another: a signup must exist before the logins of the same email.
    for (let device = 0; device < USER_SOCKETS; device++) sessions.push(await signUpOrLogIn(servers[0].origin, email, "Bench devices"));
    const closes: Array<Promise<{ code: number; at: number; process: number }>> = [];
    const clients: Client[] = [];
    await Promise.all(
      sessions.map(
        (session, device) =>
          new Promise<void>((connected, failed) => {
            let closed: (close: { code: number; at: number; process: number }) => void = () => undefined;
            closes.push(new Promise((resolve) => (closed = resolve)));
            const client = createClient({
              url: socketUrl(servers[device % 2]!),
              webSocketImpl: WebSocket,
              connectionParams: { authorization: `Bearer ${session.accessToken}` },
              retryAttempts: 0,
              on: {
                connected: () => connected(),
                closed: (event) => closed({ code: (event as { code: number }).code, at: performance.now(), process: device % 2 }),
              },
            });
            clients.push(client);
            client.subscribe({ query: SESSION_EVENTS }, { next: () => undefined, error: () => undefined, complete: () => undefined });
            setTimeout(() => failed(new Error(`device ${device}'s socket did not connect`)), CLOSE_DEADLINE_MS);
          }),
      ),
    );
    const sent = performance.now();
    const response = await fetch(`${servers[0].origin}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${sessions[0]!.accessToken}` },
      body: JSON.stringify({ query: "mutation { logoutAll }" }),
    });
    if (!(await response.text()).includes('"logoutAll":true')) throw new Error("logoutAll did not answer true");
    const answerMs = performance.now() - sent;
    const deadline = new Promise<undefined>((resolve) => setTimeout(resolve, CLOSE_DEADLINE_MS, undefined));
    const closed = (await Promise.all(closes.map((close) => Promise.race([close, deadline])))).filter((close) => close?.code === 4401);
    for (const client of clients) void client.dispose();
    const latest = (process?: number) =>
      closed.length === USER_SOCKETS
        ? Math.round(
            Math.max(...closed.filter((close) => process === undefined || close!.process === process).map((close) => close!.at - sent)),
          )
        : Infinity;
    const row: LogoutAllRound = {
      closed: closed.length,
      answerMs: Math.round(answerMs),
      maxCloseMs: latest(),
      maxCloseMsByProcess: [latest(0), latest(1)],
    };
    console.log(
      `logoutAll of ${USER_SOCKETS} sockets on 2 processes: ${row.closed} closed with 4401, the last ${row.maxCloseMs} ms after sending ` +
        `(${row.maxCloseMsByProcess[0]} ms on the process that served it, ${row.maxCloseMsByProcess[1]} ms on the other; answered in ${row.answerMs} ms)`,
    );
    rounds.push(row);
  }
  return rounds;
}
