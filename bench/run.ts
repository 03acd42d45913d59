// `npm run bench`: the API in production mode on a throw-away embedded PostgreSQL, driven from
// this process with autocannon; the ceilings in processes of their own. A benchmark, not a test:
// numbers depend on the machine and on whatever else runs on it. See bench/README.md.
//
//   BENCH_DURATION=10  seconds per scenario      BENCH_SOAK=60  seconds of the RSS soak
//   BENCH_BASELINE=dist-before/main.js  also measures `me` and the write paths against that build, right before this one
//   BENCH_SOCKETS=5000  idle sockets of the subscriptions scenario
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cpuMs, runLoad, runRefreshChains, sampleRss, type LoadResult } from "./load";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../src/db/embeddedPostgres";
import { PROJECT_ROOT } from "../src/projectRoot";
import { measureRuleLayer } from "./ruleLayer";
import { PASSWORD, seedEmail, seedUsers } from "./seedUsers";
import { productionServerEnv, startServerProcess, stopAllServers, type ServerProcess } from "./serverProcess";
import { measureIdleSockets, measureLogoutAll } from "./subscriptions";

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const SOAK = Number(process.env.BENCH_SOAK ?? 60);
const LOGIN_CONNECTIONS = 8;
/** Clients rotating refresh tokens at once, each its own session's. */
const REFRESH_CHAINS = 16;
/** Another build (its main.js, one folder below the root as dist/ is), measured on the same machine minutes apart. */
const BASELINE = process.env.BENCH_BASELINE;

const ME = JSON.stringify({ query: "query Me { me { id email name role createdAt } }" });
const MY_SESSIONS = JSON.stringify({ query: "query MySessions { mySessions(first: 10) { edges { node { id lastUsedAt current } } } }" });
const isMe = (body: string) => body.startsWith('{"data":{"me":{');
const isLogin = (body: string) => body.startsWith('{"data":{"login":{');

interface Row extends LoadResult {
  scenario: string;
  connections: number;
  /** CPU milliseconds (user + system) of the server process per request. */
  cpuMsPerRequest: number;
  peakRssMb: number;
}

async function main(): Promise<void> {
  const { dataDir, env } = productionServerEnv("bench");
  const apiEnv = {
    ...env,
    // The login scenarios measure hashing, so the login limits (which count attempts in flight)
    // must not turn the flood away, nor the signup limit and the hashing queue's cap the seeding
    // (32 signups at once); they have their own tests.
    LOGIN_MAX_FAILURES_PER_ACCOUNT: "1000",
    LOGIN_MAX_FAILURES_PER_IP: "100000",
    SIGNUP_MAX_PER_IP: "100000",
    BCRYPT_MAX_QUEUE_WAIT: "600s",
    // The login scenarios log one seeded user in hundreds of times: the session limit would end
    // the session whose token `me` is measured with.
    MAX_SESSIONS_PER_USER: "1000",
  };
  const rows: Row[] = [];
  const measure = async (scenario: string, server: ServerProcess, load: () => Promise<LoadResult>, connections: number) => {
    const rss = sampleRss(server.pid);
    const cpuBefore = cpuMs(server.pid);
    const result = await load();
    const cpuMsPerRequest = Math.round(((cpuMs(server.pid) - cpuBefore) / Math.max(result.requests, 1)) * 1000) / 1000;
    const row = { scenario, connections, ...result, cpuMsPerRequest, peakRssMb: rss.stop().peakMb };
    rows.push(row);
    console.log(formatRow(row));
    return row;
  };
  let postgres: EmbeddedPostgres | undefined;
  let soak: { startMb: number; endMb: number; peakMb: number; seconds: number } | undefined;

  console.log(`scenarios of ${DURATION}s, soak of ${SOAK}s, ${os.cpus().length} CPUs (shared: expect noise)\n`);
  console.log(formatHeader());
  try {
    // Before: the same build with the auth cache off, every request reading PostgreSQL.
    let api = await startServerProcess(["dist/main.js"], { ...apiEnv, AUTH_CACHE_MAX_ENTRIES: "0" });
    let { tokens } = await seedUsers(api.origin);
    const meLoad =
      (server: ServerProcess, connections: number, seconds = DURATION) =>
      () =>
        runLoad({
          url: `${server.origin}/graphql`,
          connections,
          durationSeconds: seconds,
          body: ME,
          authorizations: tokens,
          isExpected: isMe,
        });
    await measure("me, cache off (before)", api, meLoad(api, 32), 32);
    await api.stop();

    /** The write paths, each beside `me` at 32 connections just before it: their targets are shares of it. */
    const writePaths = async (server: ServerProcess, refreshTokens: string[], label = "") => {
      const me = await measure(`me${label}`, server, meLoad(server, 32), 32);
      const refresh = await measure(
        `refresh rotation${label}`,
        server,
        () => runRefreshChains(`${server.origin}/graphql`, refreshTokens.slice(0, REFRESH_CHAINS), DURATION),
        REFRESH_CHAINS,
      );
      const mySessions = await measure(
        `mySessions${label}`,
        server,
        () =>
          runLoad({
            url: `${server.origin}/graphql`,
            connections: 32,
            durationSeconds: DURATION,
            body: MY_SESSIONS,
            authorizations: tokens,
            isExpected: (body) => body.startsWith('{"data":{"mySessions":{"edges":[{'),
          }),
        32,
      );
      return { me, refresh, mySessions };
    };
    if (BASELINE) {
      const baseline = await startServerProcess([BASELINE], apiEnv);
      const seededBaseline = await seedUsers(baseline.origin);
      tokens = seededBaseline.tokens;
      await writePaths(baseline, seededBaseline.refreshTokens, " (baseline)");
      await baseline.stop();
    }

    api = await startServerProcess(["dist/main.js"], apiEnv);
    const seeded = await seedUsers(api.origin);
    tokens = seeded.tokens;
    await measure("me", api, meLoad(api, 1), 1);
    const me32 = await measure("me", api, meLoad(api, 32), 32);
    // The ceilings right after `me` at the same concurrency: the machine is shared, and minutes
    // apart its spare capacity can differ by half.
    for (const kind of ["apollo", "http"] as const) {
      const ceiling = await startServerProcess(["--import", "tsx", "bench/ceilingServer.ts", kind], { NODE_ENV: "production" });
      const body = kind === "apollo" ? JSON.stringify({ query: "{ hello }" }) : "{}";
      const isExpected = (answer: string) => answer.includes('"hello":"world"');
      const name = kind === "apollo" ? "ceiling: bare Apollo Server 5" : "ceiling: bare node:http";
      await measure(
        name,
        ceiling,
        () => runLoad({ url: `${ceiling.origin}/graphql`, connections: 32, durationSeconds: DURATION, body, isExpected }),
        32,
      );
      await ceiling.stop();
    }
    await measure("me", api, meLoad(api, 128), 128);
    const writes = await writePaths(api, seeded.refreshTokens);

    const loginBody = JSON.stringify({
      query: "mutation Login($input: LoginInput!) { login(input: $input) { accessToken } }",
      variables: { input: { email: seedEmail(0), password: PASSWORD } },
    });
    const loginLoad = (server: ServerProcess) => () =>
      runLoad({
        url: `${server.origin}/graphql`,
        connections: LOGIN_CONNECTIONS,
        durationSeconds: DURATION,
        body: loginBody,
        isExpected: isLogin,
      });
    await measure("login (bcrypt cost 12)", api, loginLoad(api), LOGIN_CONNECTIONS);

    const flood = loginLoad(api)();
    const meUnderFlood = await measure("me during a login flood", api, meLoad(api, 32), 32);
    const floodResult = await flood;
    rows.push({
      scenario: "  the flood itself (login)",
      connections: LOGIN_CONNECTIONS,
      ...floodResult,
      // The server's CPU during the flood was spent on both: counted with `me`'s row.
      cpuMsPerRequest: 0,
      peakRssMb: meUnderFlood.peakRssMb,
    });
    console.log(formatRow(rows[rows.length - 1]!));

    const rss = sampleRss(api.pid);
    const soakRow = await measure(`me, ${SOAK}s soak`, api, meLoad(api, 32, SOAK), 32);
    const samples = rss.stop().samples;
    const fifth = Math.max(1, Math.floor(samples.length / 5));
    soak = {
      startMb: median(samples.slice(0, fifth)),
      endMb: median(samples.slice(-fifth)),
      peakMb: soakRow.peakRssMb,
      seconds: SOAK,
    };
    await api.stop();

    // Subscriptions (issue 22), on the same database, now served by a PostgreSQL of the bench's
    // own so that two API processes can share it.
    postgres = await startEmbeddedPostgres(dataDir);
    // 5,000 sockets of 32 users: about 160 a user, over the per-user limit of 20.
    const liveEnv = { ...apiEnv, DATABASE_URL: postgres.url, MIGRATE_ON_START: "false", WS_MAX_SOCKETS_PER_USER: "1000" };
    // Inspected: the sockets' cost is read from its heap after a full collection (bench/heapUsage.ts).
    const live = await startServerProcess(["--inspect=127.0.0.1:0", "dist/main.js"], liveEnv);
    tokens = (await seedUsers(live.origin)).tokens;
    const idle = await measureIdleSockets(live, tokens, (label) => measure(label, live, meLoad(live, 32), 32));
    const other = await startServerProcess(["dist/main.js"], liveEnv);
    const logoutAll = await measureLogoutAll([live, other]);
    await Promise.all([live.stop(), other.stop()]);

    // In this process, with the API idle: the access rules' cost on one `me`, against the server's time per `me` at 32 connections.
    const ruleLayer = await measureRuleLayer();
    console.log(
      `\naccess rules on me: ${ruleLayer.addedUs} µs (${ruleLayer.withRulesUs} µs with, ${ruleLayer.withoutRulesUs} µs without, in-process)`,
    );

    const apollo32 = rows.find((row) => row.scenario === "ceiling: bare Apollo Server 5")!;
    const targets = {
      meShareOfApolloCeiling: { value: round(me32.requestsPerSecond / apollo32.requestsPerSecond), target: ">= 0.5" },
      meP99DuringFloodOverP99Alone: { value: round(meUnderFlood.p99Ms / Math.max(me32.p99Ms, 1)), target: "<= 3" },
      meDuringFloodShareOfAlone: { value: round(meUnderFlood.requestsPerSecond / me32.requestsPerSecond), target: ">= 0.5" },
      refreshShareOfMe: { value: round(writes.refresh.requestsPerSecond / writes.me.requestsPerSecond), target: ">= 0.15" },
      refreshApiCpuMs: { value: writes.refresh.cpuMsPerRequest, target: "<= 2" },
      mySessionsApiCpuMs: { value: writes.mySessions.cpuMsPerRequest, target: "<= 1" },
      ruleLayerShareOfMe: {
        value: Math.round((Math.max(ruleLayer.addedUs, 0) / (1e6 / me32.requestsPerSecond)) * 1000) / 1000,
        target: "< 0.1",
      },
      errors: { value: rows.reduce((sum, row) => sum + row.errors, 0), target: "0" },
      soakRss: { value: soak, target: "flat: end within 10% of start" },
      socketRssKb: { value: idle.rssKbPerSocket, target: "<= 50" },
      socketHeapKb: { value: idle.heapKbPerSocket, target: "<= 50" },
      meShareWithIdleSockets: { value: idle.meShareWithSockets, target: ">= 0.9" },
      logoutAllMaxCloseMs: { value: Math.max(...logoutAll.map((round) => round.maxCloseMs)), target: "<= 1000" },
    };
    console.log("\ntargets:");
    for (const [name, { value, target }] of Object.entries(targets)) console.log(`  ${name}: ${JSON.stringify(value)} (target ${target})`);
    fs.writeFileSync(
      path.join(PROJECT_ROOT, "bench", "results.json"),
      JSON.stringify(
        { date: new Date().toISOString(), cpus: os.cpus().length, durationSeconds: DURATION, rows, ruleLayer, idle, logoutAll, targets },
        null,
        2,
      ) + "\n",
    );
    console.log("\nwritten to bench/results.json");
  } finally {
    await stopAllServers();
    await postgres?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function formatHeader(): string {
  return `${"scenario".padEnd(32)} ${"conns".padStart(5)} ${"req/s".padStart(8)} ${"p50 ms".padStart(7)} ${"p99 ms".padStart(7)} ${"CPU ms/req".padStart(10)} ${"errors".padStart(6)} ${"peak RSS MB".padStart(11)}`;
}

function formatRow(row: Row): string {
  return `${row.scenario.padEnd(32)} ${String(row.connections).padStart(5)} ${String(row.requestsPerSecond).padStart(8)} ${String(row.p50Ms).padStart(7)} ${String(row.p99Ms).padStart(7)} ${String(row.cpuMsPerRequest).padStart(10)} ${String(row.errors).padStart(6)} ${String(row.peakRssMb).padStart(11)}`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const round = (n: number) => Math.round(n * 100) / 100;

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
