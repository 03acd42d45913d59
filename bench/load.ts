import fs from "node:fs";
import autocannon from "autocannon";
import { rssMb } from "./serverProcess";

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  body: string;
  /** Per-connection Authorization values, handed out round-robin; none for anonymous calls. */
  authorizations?: string[];
  /** Instead: an Authorization value drawn afresh for every request (a working set larger than the connections). */
  pickAuthorization?: () => string;
  /** A body drawn afresh for every request (logins of different users), instead of `body`. */
  pickBody?: () => string;
  /** Ends the load early, when this settles (durationSeconds is then the longest it runs). */
  stopWhen?: Promise<unknown>;
  /** A response counts as an error unless this says it is the expected answer. */
  isExpected: (body: string) => boolean;
}

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Connection errors, timeouts, non-2xx answers and unexpected bodies (GraphQL errors come with 200). */
  errors: number;
}

/** Drives `url` with autocannon (in this process, separate from the server's). */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let next = 0;
  const instance = autocannon({
    url: options.url,
    method: "POST",
    connections: options.connections,
    duration: options.durationSeconds,
    headers: { "content-type": "application/json" },
    body: options.body,
    setupClient: options.authorizations
      ? (client) => {
          const authorization = options.authorizations![next++ % options.authorizations!.length]!;
          client.setHeaders({ "content-type": "application/json", authorization });
        }
      : undefined,
    requests:
      options.pickAuthorization || options.pickBody
        ? [
            {
              setupRequest: (request) => ({
                ...request,
                ...(options.pickBody && { body: options.pickBody() }),
                ...(options.pickAuthorization && { headers: { ...request.headers, authorization: options.pickAuthorization() } }),
              }),
            },
          ]
        : undefined,
    verifyBody: (body) => options.isExpected(String(body ?? "")),
  });
  // Without a callback autocannon returns its tracker, which is also a promise; the types show only the promise.
  void options.stopWhen?.finally(() => (instance as unknown as autocannon.Instance).stop());
  const result = await instance;
  return {
    // Logins and refreshes run at a few per second: a decimal tells 3.4 from 4.4.
    requestsPerSecond: result.requests.average < 100 ? Math.round(result.requests.average * 10) / 10 : Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts + result.non2xx + result.mismatches,
  };
}

const REFRESH = "mutation Refresh($token: String) { refreshToken(token: $token) { accessToken refreshToken } }";
/** The new refresh token in a successful answer (the last field asked for: a regular expression is cheaper than parsing). */
const REFRESHED = /"refreshToken":"([A-Za-z0-9_-]+)"\}\}\}\s*$/;

/**
 * One connection per refresh token, each rotating its own as fast as it can: every answer's
 * refresh token is the next request's. Driven by autocannon, the client `me` is measured with, so
 * that the two scenarios pay the same for their load generator on the machine they share (a
 * `fetch` loop cost this process 0.7-1.25 ms of CPU per refresh, as much as the API and
 * PostgreSQL together). One autocannon instance per chain: an instance resets its per-connection
 * context before every request when it has one request to repeat, so the chain's token lives in
 * the instance's closure. A chain that gets anything but a new pair stops, and counts it.
 */
export async function runRefreshChains(url: string, tokens: string[], durationSeconds: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const chain = (first: string) => {
    let token = first;
    const body = () => JSON.stringify({ query: REFRESH, variables: { token } });
    const run = autocannon({
      url,
      method: "POST",
      connections: 1,
      duration: durationSeconds,
      headers: { "content-type": "application/json" },
      requests: [
        {
          setupRequest: (request) => ({ ...request, body: body() }),
          onResponse: (_status, answer) => {
            const next = REFRESHED.exec(answer)?.[1];
            if (next) {
              token = next;
              return;
            }
            errors++;
            tracker.stop();
          },
        },
      ],
    });
    // Without a callback autocannon returns its tracker, which is also a promise; the types show only the promise.
    const tracker = run as unknown as autocannon.Instance;
    tracker.on("response", (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
    return run;
  };
  await Promise.all(tokens.map(chain));
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  const perSecond = latencies.length / durationSeconds;
  return {
    requestsPerSecond: perSecond < 100 ? Math.round(perSecond * 10) / 10 : Math.round(perSecond),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    requests: latencies.length,
    errors,
  };
}

/** Samples a process's RSS every 250 ms until stopped; returns the peak and every sample. */
export function sampleRss(pid: number, withChildren = false): { stop(): { peakMb: number; samples: number[] } } {
  const sample = () => (withChildren ? [pid, ...childPids(pid)] : [pid]).reduce((sum, one) => Math.round((sum + rssMb(one)) * 10) / 10, 0);
  const samples: number[] = [sample()];
  const timer = setInterval(() => samples.push(sample()), 250);
  return {
    stop() {
      clearInterval(timer);
      samples.push(sample());
      return { peakMb: Math.max(...samples), samples };
    },
  };
}

/** Clock ticks per second of /proc's CPU times: 100 on Linux (USER_HZ), whatever the kernel's HZ. */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system) used so far by a process and, with `withChildren`, its live children
 * (a WEB_CONCURRENCY primary's workers, a postmaster's backends), in milliseconds, from /proc.
 * Children that exited meanwhile are not counted, so take it around a load that keeps them open.
 */
export function cpuMs(pid: number, withChildren = false): number {
  const ticks = (one: number) => {
    try {
      // The command name (field 2) is in parentheses and may hold spaces: split after it.
      const fields = fs.readFileSync(`/proc/${one}/stat`, "utf8").split(") ")[1]!.split(" ");
      return Number(fields[11]) + Number(fields[12]);
    } catch {
      return 0;
    }
  };
  const pids = withChildren ? [pid, ...childPids(pid)] : [pid];
  return (pids.reduce((sum, one) => sum + ticks(one), 0) * 1000) / TICKS_PER_SECOND;
}

/** The direct children of a process (the workers of a WEB_CONCURRENCY primary), from /proc (Linux). */
function childPids(pid: number): number[] {
  const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
  return children ? children.split(/\s+/).map(Number) : [];
}
