// `npm run bench:scale`: the cost as the data grows. Seeds up to SCALE_ACCOUNTS users (default
// 1,000,000), each with one live session, plus SCALE_EXPIRED_SESSIONS expired sessions, into an
// embedded PostgreSQL with pg_stat_statements loaded, and measures `me` at each step of the curve
// (1k, 10k, 100k, ... accounts), then every scenario at the full size. See bench/README.md.
//
//   SCALE_ACCOUNTS=1000000  SCALE_EXPIRED_SESSIONS=500000  BENCH_DURATION=10 (seconds per scenario)
//   AUTH_CACHE_MAX_ENTRIES=...  the servers' cache size (default 10,000; the "cache off" rows always use 0)
//   SESSION_CLEANUP_PAUSE_FACTOR=...  the paced cleanup's (the unpaced one, measured first, always uses 0)
//   BENCH_BASELINE=a/main.js,b/main.js  also runs the two `me` scenarios against those builds, right before
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import bcrypt from "bcrypt";
import pg from "pg";
import { cpuMs, runLoad, runRefreshChains, sampleRss, type LoadResult } from "./load";
import { productionServerEnv, startServerProcess, stopAllServers, type ServerProcess } from "./serverProcess";
import { scaleEmail, scaleRefreshToken, scaleSessionId, scaleUserId, seedAccounts, seedExpiredSessions } from "./scaleSeed";
import { AccessTokens } from "../src/auth/tokens/accessTokens";
import { SigningKeys } from "../src/auth/tokens/signingKeys";
import { deleteEndedSessions } from "../src/auth/sessions/cleanup";
import { loadConfig } from "../src/config";
import { startEmbeddedPostgres } from "../src/db/embeddedPostgres";
import { applyMigrations } from "../src/db/migrations";
import { createDatabasePool, createPrismaClient } from "../src/db/prismaClient";
import { createLogger } from "../src/logger";
import { PROJECT_ROOT } from "../src/projectRoot";

const ACCOUNTS = Number(process.env.SCALE_ACCOUNTS ?? 1_000_000);
const EXPIRED = Number(process.env.SCALE_EXPIRED_SESSIONS ?? 500_000);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
/** Other builds' main.js, comma-separated, measured on the same data right before this one. */
const BASELINES = (process.env.BENCH_BASELINE ?? "").split(",").filter(Boolean);
const CONNECTIONS = 32;
const LOGIN_CONNECTIONS = 8;
const REFRESH_CHAINS = 16;
/** Sessions the tokens of the cache-miss scenario are drawn from: ten times the default cache. */
const MISS_SET = 100_000;
/** ... and of the cache-hit scenario: a tenth of it. */
const HIT_SET = 1_000;
const PASSWORD = "correct horse battery staple";

const ME = JSON.stringify({ query: "query Me { me { id email name role createdAt } }" });
const MY_SESSIONS = JSON.stringify({ query: "query MySessions { mySessions(first: 10) { edges { node { id lastUsedAt } } } }" });
const LOGIN = "mutation Login($input: LoginInput!) { login(input: $input) { accessToken } }";

/** A scenario's load, with what must happen before it is measured (filling the cache). */
type Load = (() => Promise<LoadResult>) & { prepare?: () => Promise<void> };

interface Row extends LoadResult {
  scenario: string;
  accounts: number;
  connections: number;
  statementsPerRequest: number;
  /** CPU milliseconds per request: the API process(es), and PostgreSQL (postmaster and backends). */
  apiCpuMsPerRequest: number;
  databaseCpuMsPerRequest: number;
  peakRssMb: number;
}

async function main(): Promise<void> {
  const { dataDir, env } = productionServerEnv("scale");
  const serverEnv = {
    ...env,
    // Long enough for the whole run: tokens are signed here once per scenario.
    ACCESS_TOKEN_TTL: "12h",
    LOGIN_MAX_FAILURES_PER_ACCOUNT: "1000",
    LOGIN_MAX_FAILURES_PER_IP: "100000",
    BCRYPT_MAX_QUEUE_WAIT: "600s",
    // The cleanup is driven by the bench, when it measures it.
    SESSION_CLEANUP_INTERVAL: "7d",
    // To measure another cache size (docs/operations.md, "Sizing").
    ...(process.env.AUTH_CACHE_MAX_ENTRIES ? { AUTH_CACHE_MAX_ENTRIES: process.env.AUTH_CACHE_MAX_ENTRIES } : {}),
    // To measure another pacing of the cleanup (the paced run's factor).
    ...(process.env.SESSION_CLEANUP_PAUSE_FACTOR ? { SESSION_CLEANUP_PAUSE_FACTOR: process.env.SESSION_CLEANUP_PAUSE_FACTOR } : {}),
  };
  const config = loadConfig(serverEnv);
  const accessTokens = new AccessTokens({
    keys: SigningKeys.fromConfig(config.jwt, config.jwt.secret!),
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    ttlSeconds: config.jwt.accessTokenTtlSeconds,
    clockToleranceSeconds: config.jwt.clockToleranceSeconds,
  });
  /** Authorization values for `size` live sessions spread evenly over the first `accounts`. */
  const tokensSpreadOver = (accounts: number, size: number): string[] =>
    Array.from({ length: Math.min(size, accounts) }, (_, k) => {
      const i = Math.floor((k * accounts) / Math.min(size, accounts));
      return `Bearer ${accessTokens.sign({ userId: scaleUserId(i), sessionId: scaleSessionId(i), tokenVersion: 0, amr: ["pwd"], authTime: new Date() }).token}`;
    });
  const pick = <T>(values: T[]) => values[Math.floor(Math.random() * values.length)]!;

  const rows: Row[] = [];
  const seeding: Array<{ accounts: number; seconds: number }> = [];
  const postgres = await startPostgresWithStatementStats(dataDir);
  const stats = new pg.Client({ connectionString: postgres.url });
  await stats.connect();
  const statements = async () => {
    const result = await stats.query<{ calls: string }>(
      "SELECT coalesce(sum(calls), 0) AS calls FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'",
    );
    return Number(result.rows[0]!.calls);
  };
  /** The RSS of a WEB_CONCURRENCY primary counts its workers too. */
  const measure = async (
    scenario: string,
    accounts: number,
    connections: number,
    server: ServerProcess,
    load: Load,
    withChildren = false,
  ) => {
    await load.prepare?.();
    const rss = sampleRss(server.pid, withChildren);
    const before = { statements: await statements(), api: cpuMs(server.pid, withChildren), database: cpuMs(postgres.pid, true) };
    const result = await load();
    const perRequest = (total: number) => Math.round((total / Math.max(result.requests, 1)) * 1000) / 1000;
    const row: Row = {
      scenario,
      accounts,
      connections,
      ...result,
      statementsPerRequest: perRequest((await statements()) - before.statements),
      apiCpuMsPerRequest: perRequest(cpuMs(server.pid, withChildren) - before.api),
      databaseCpuMsPerRequest: perRequest(cpuMs(postgres.pid, true) - before.database),
      peakRssMb: rss.stop().peakMb,
    };
    rows.push(row);
    console.log(formatRow(row));
    return row;
  };
  /** Requests `me` once per token when they all fit in the auth cache, so the measurement sees the steady state. */
  const warm = async (server: ServerProcess, tokens: string[], passes: number) => {
    if (tokens.length > config.authCache.maxEntries) return;
    let next = 0;
    tokens = Array.from({ length: passes }, () => tokens).flat();
    const worker = async () => {
      while (next < tokens.length) {
        const authorization = tokens[next++]!;
        await fetch(`${server.origin}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization },
          body: ME,
        });
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  };
  /**
   * `processes`: each has a cache of its own to fill, and the primary spreads connections over them,
   * not requests, so several passes are needed to reach most tokens in every worker.
   */
  const me = (server: ServerProcess, tokens: string[], seconds = DURATION, stopWhen?: Promise<unknown>, processes = 1): Load => {
    const load = () =>
      runLoad({
        url: `${server.origin}/graphql`,
        connections: CONNECTIONS,
        durationSeconds: seconds,
        body: ME,
        pickAuthorization: () => pick(tokens),
        isExpected: (body) => body.startsWith('{"data":{"me":{'),
        stopWhen,
      });
    return Object.assign(load, { prepare: () => warm(server, tokens, processes === 1 ? 1 : 4) });
  };
  const start = (extraEnv: Record<string, string> = {}, entry = "dist/main.js") =>
    startServerProcess([entry], { ...serverEnv, DATABASE_URL: postgres.url, ...extraEnv });

  try {
    console.log(
      `${os.cpus().length} CPUs (shared: expect noise), ${DURATION}s per scenario, up to ${ACCOUNTS.toLocaleString()} accounts\n`,
    );
    await applyMigrations(postgres.url);
    const passwordHash = await bcrypt.hash(PASSWORD, config.passwords.bcryptCost);
    const seeder = new pg.Client({ connectionString: postgres.url });
    await seeder.connect();
    let seeded = 0;
    const seedTo = async (accounts: number) => {
      const started = Date.now();
      await seedAccounts(seeder, seeded, accounts, passwordHash);
      await seeder.query("VACUUM ANALYZE");
      seeded = accounts;
      seeding.push({ accounts, seconds: Math.round((Date.now() - started) / 100) / 10 });
      console.log(`seeded ${accounts.toLocaleString()} accounts in ${seeding.at(-1)!.seconds}s`);
    };
    console.log(formatHeader());

    // The curve: `me` with tokens drawn uniformly from up to MISS_SET sessions spread over every account.
    for (let accounts = 1_000; accounts < ACCOUNTS; accounts *= 10) {
      await seedTo(accounts);
      const tokens = tokensSpreadOver(accounts, MISS_SET);
      const server = await start();
      await measure("me, curve", accounts, CONNECTIONS, server, me(server, tokens));
      await server.stop();
      // Every request a miss: the database's part of the curve.
      const uncached = await start({ AUTH_CACHE_MAX_ENTRIES: "0" });
      await measure("me, curve, cache off", accounts, CONNECTIONS, uncached, me(uncached, tokens));
      await uncached.stop();
    }
    await seedTo(ACCOUNTS);
    {
      const started = Date.now();
      await seedExpiredSessions(seeder, EXPIRED, ACCOUNTS);
      await seeder.query("VACUUM ANALYZE");
      seeding.push({ accounts: -EXPIRED, seconds: Math.round((Date.now() - started) / 100) / 10 });
      console.log(`seeded ${EXPIRED.toLocaleString()} expired sessions in ${seeding.at(-1)!.seconds}s`);
    }
    await seeder.end();

    const missTokens = tokensSpreadOver(ACCOUNTS, MISS_SET);
    const hitTokens = tokensSpreadOver(ACCOUNTS, HIT_SET);
    for (const entry of BASELINES) {
      const baseline = await start({}, entry);
      await measure(`me, ${MISS_SET / 1000}k sessions (${entry})`, ACCOUNTS, CONNECTIONS, baseline, me(baseline, missTokens));
      await measure(`me, ${HIT_SET / 1000}k sessions (${entry})`, ACCOUNTS, CONNECTIONS, baseline, me(baseline, hitTokens));
      await baseline.stop();
    }
    {
      const uncached = await start({ AUTH_CACHE_MAX_ENTRIES: "0" });
      await measure("me, curve, cache off", ACCOUNTS, CONNECTIONS, uncached, me(uncached, missTokens));
      await uncached.stop();
    }
    const server = await start();
    const miss = await measure(`me, ${MISS_SET / 1000}k sessions`, ACCOUNTS, CONNECTIONS, server, me(server, missTokens));
    const hit = await measure(`me, ${HIT_SET / 1000}k sessions`, ACCOUNTS, CONNECTIONS, server, me(server, hitTokens));
    await measure("mySessions, 1k sessions", ACCOUNTS, CONNECTIONS, server, () =>
      runLoad({
        url: `${server.origin}/graphql`,
        connections: CONNECTIONS,
        durationSeconds: DURATION,
        body: MY_SESSIONS,
        pickAuthorization: () => pick(hitTokens),
        isExpected: (body) => body.startsWith('{"data":{"mySessions":{'),
      }),
    );
    await measure("login (bcrypt cost 12)", ACCOUNTS, LOGIN_CONNECTIONS, server, () =>
      runLoad({
        url: `${server.origin}/graphql`,
        connections: LOGIN_CONNECTIONS,
        durationSeconds: DURATION,
        body: "",
        pickBody: () =>
          JSON.stringify({
            query: LOGIN,
            variables: { input: { email: scaleEmail(Math.floor(Math.random() * ACCOUNTS)), password: PASSWORD } },
          }),
        isExpected: (body) => body.startsWith('{"data":{"login":{'),
      }),
    );
    const chains = Array.from({ length: REFRESH_CHAINS }, (_, chain) => scaleRefreshToken(ACCOUNTS - 1 - chain));
    await measure("refresh rotation", ACCOUNTS, REFRESH_CHAINS, server, () =>
      runRefreshChains(`${server.origin}/graphql`, chains, DURATION),
    );

    // Cleanup: `me` alone, then `me` while the cleanup runs, back to back; first without pauses
    // (SESSION_CLEANUP_PAUSE_FACTOR=0, as before pacing), then, on the same expired sessions seeded
    // again, paced as configured.
    const cleanups: Array<{ pauseFactor: number; alone: Row; during: Row; result: unknown }> = [];
    for (const pauseFactor of [0, config.sessions.cleanupPauseFactor]) {
      if (cleanups.length > 0) await reseedExpiredSessions(postgres.url);
      const label = `pause factor ${pauseFactor}`;
      const alone = await measure(`me, ${MISS_SET / 1000}k, before cleanup`, ACCOUNTS, CONNECTIONS, server, me(server, missTokens));
      let result: unknown;
      const during = await measure(`me, ${MISS_SET / 1000}k, cleanup, ${label}`, ACCOUNTS, CONNECTIONS, server, async () => {
        const run = await runCleanupUnderLoad(postgres.url, config.sessions.cleanupBatchSize, pauseFactor, (cleanupDone) =>
          me(server, missTokens, 600, cleanupDone)(),
        );
        result = run.result;
        return run.load;
      });
      console.log(`cleanup, ${label}: ${JSON.stringify(result)}`);
      cleanups.push({ pauseFactor, alone, during, result });
    }
    await server.stop();

    // Two API processes (WEB_CONCURRENCY=2) on the same two cores.
    const cluster = await start({ WEB_CONCURRENCY: "2" });
    await measure(
      `me, ${MISS_SET / 1000}k, 2 processes`,
      ACCOUNTS,
      CONNECTIONS,
      cluster,
      me(cluster, missTokens, DURATION, undefined, 2),
      true,
    );
    await measure(
      `me, ${HIT_SET / 1000}k, 2 processes`,
      ACCOUNTS,
      CONNECTIONS,
      cluster,
      me(cluster, hitTokens, DURATION, undefined, 2),
      true,
    );
    await cluster.stop();

    const targets = {
      missOverHit: { value: round(miss.requestsPerSecond / hit.requestsPerSecond), target: ">= 0.4" },
      meP99DuringCleanupOverAlone: {
        value: cleanups.map(({ pauseFactor, alone, during }) => ({ pauseFactor, ratio: round(during.p99Ms / Math.max(alone.p99Ms, 1)) })),
        target: `<= 2 with the default pause factor (${config.sessions.cleanupPauseFactor})`,
      },
      errors: { value: rows.reduce((sum, row) => sum + row.errors, 0), target: "0" },
    };
    console.log("\ntargets:");
    for (const [name, { value, target }] of Object.entries(targets)) console.log(`  ${name}: ${JSON.stringify(value)} (target ${target})`);
    fs.writeFileSync(
      path.join(PROJECT_ROOT, "bench", "scale-results.json"),
      JSON.stringify(
        {
          date: new Date().toISOString(),
          cpus: os.cpus().length,
          durationSeconds: DURATION,
          seeding,
          rows,
          cleanups: cleanups.map(({ pauseFactor, result }) => ({ pauseFactor, result })),
          targets,
        },
        null,
        2,
      ) + "\n",
    );
    console.log("\nwritten to bench/scale-results.json");
  } finally {
    await stopAllServers();
    await stats.end().catch(() => undefined);
    await postgres.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The embedded PostgreSQL with pg_stat_statements loaded (it counts every statement the API
 * sends): started once to set shared_preload_libraries, then restarted on the same port.
 */
async function startPostgresWithStatementStats(dataDir: string) {
  const first = await startEmbeddedPostgres(dataDir);
  const admin = new pg.Client({ connectionString: first.url });
  await admin.connect();
  await admin.query("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'");
  await admin.end();
  await first.stop();
  const postgres = await startEmbeddedPostgres(dataDir, { port: first.port });
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  await client.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  await client.end();
  return postgres;
}

/**
 * Runs the session cleanup (the server's own function, through a pool of its own) under `load`,
 * which ends when the cleanup does.
 */
async function runCleanupUnderLoad(
  url: string,
  batchSize: number,
  pauseFactor: number,
  load: (cleanupDone: Promise<unknown>) => Promise<LoadResult>,
) {
  const logger = createLogger("warn");
  const pool = createDatabasePool(url, { poolSize: 2, statementTimeoutSeconds: 5, connectTimeoutSeconds: 5 }, logger);
  const prisma = createPrismaClient(pool);
  const started = Date.now();
  const retention = loadConfig({}).sessions.securityEventRetentionSeconds;
  const cleanup = deleteEndedSessions(prisma, Date.now(), batchSize, retention, { pauseFactor }).then(
    (deleted) => ({ deleted, seconds: (Date.now() - started) / 1000 }),
    (error: unknown) => ({ error: String(error), seconds: (Date.now() - started) / 1000 }),
  );
  const result = await load(cleanup);
  await prisma.$disconnect();
  return { result: await cleanup, load: result };
}

/** The expired sessions again (the same rows, deleted by the cleanup before), for the next cleanup to delete. */
async function reseedExpiredSessions(url: string): Promise<void> {
  const seeder = new pg.Client({ connectionString: url });
  await seeder.connect();
  await seedExpiredSessions(seeder, EXPIRED, ACCOUNTS);
  await seeder.query("VACUUM ANALYZE");
  await seeder.end();
}

function formatHeader(): string {
  return `${"scenario".padEnd(32)} ${"accounts".padStart(9)} ${"conns".padStart(5)} ${"req/s".padStart(7)} ${"p50 ms".padStart(7)} ${"p99 ms".padStart(7)} ${"stmts/req".padStart(9)} ${"API ms/req".padStart(10)} ${"PG ms/req".padStart(9)} ${"errors".padStart(6)} ${"peak RSS MB".padStart(11)}`;
}

function formatRow(row: Row): string {
  return `${row.scenario.padEnd(32)} ${String(row.accounts).padStart(9)} ${String(row.connections).padStart(5)} ${String(row.requestsPerSecond).padStart(7)} ${String(row.p50Ms).padStart(7)} ${String(row.p99Ms).padStart(7)} ${String(row.statementsPerRequest).padStart(9)} ${String(row.apiCpuMsPerRequest).padStart(10)} ${String(row.databaseCpuMsPerRequest).padStart(9)} ${String(row.errors).padStart(6)} ${String(row.peakRssMb).padStart(11)}`;
}

const round = (n: number) => Math.round(n * 100) / 100;

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
