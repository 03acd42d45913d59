import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { startApp, type RunningApp } from "../../src/app";
import { loadConfig } from "../../src/config";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../../src/db/embeddedPostgres";
import { applyMigrations } from "../../src/db/migrations";
import {
  graphql,
  LOGIN,
  ME,
  PASSWORD,
  SIGNUP,
  signUp,
  uniqueEmail,
  type AuthPayload,
  type GraphQLResponse,
} from "../support/graphqlClient";
import { captureLogs } from "../support/capturedLogs";
import { signalCluster } from "../support/postgresProcesses";
import { TEST_JWT_SECRET } from "../support/testServer";
import { EVENT_DEADLINE_MS, LONG_TEST_TIMEOUT_MS } from "../support/timeouts";

/** The database timeouts of this suite's server: short, so that a frozen database is given up on quickly. */
const STATEMENT_TIMEOUT_MS = 2_000;
const CONNECT_TIMEOUT_MS = 2_000;

// A PostgreSQL of its own, so that breaking and stopping it disturbs no other suite.
describe("database faults, in production mode", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "auth-api-outage-"));
  const logs = captureLogs("info");
  let db: EmbeddedPostgres;
  let app: RunningApp;
  let account: AuthPayload;

  beforeAll(async () => {
    db = await startEmbeddedPostgres(dataDir);
    await applyMigrations(db.url);
    const config = loadConfig({
      NODE_ENV: "production",
      DATABASE_URL: db.url,
      JWT_SECRET: TEST_JWT_SECRET,
      HOST: "127.0.0.1",
      PORT: "0",
      MIGRATE_ON_START: "false",
      BCRYPT_COST: "4",
      DATABASE_STATEMENT_TIMEOUT: `${STATEMENT_TIMEOUT_MS / 1000}s`,
      DATABASE_CONNECT_TIMEOUT: `${CONNECT_TIMEOUT_MS / 1000}s`,
    });
    app = await startApp(config, { logger: logs.logger });
    account = await signUp(app.url);
  }, LONG_TEST_TIMEOUT_MS);
  afterAll(async () => {
    await app?.stop();
    await db?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test("an internal error shows the client neither stack nor SQL, only a request id found in the server log", async () => {
    await app.prisma.$executeRawUnsafe('ALTER TABLE "User" RENAME COLUMN "name" TO "renamed_for_test"');
    try {
      const response = await graphql(app.url, ME, undefined, { token: account.accessToken });
      expect(response.status).toBe(200);
      const requestId = response.headers.get("x-request-id");
      expect(response.errors).toEqual([
        {
          message: "Internal server error.",
          path: ["me"],
          locations: expect.any(Array),
          extensions: { code: "INTERNAL_SERVER_ERROR", requestId },
        },
      ]);
      expect(response.text).not.toMatch(/renamed_for_test|does not exist|prisma|select |"User"|stack|\.ts:\d+/i);
      const logged = logs.lines().find((line) => line.requestId === requestId);
      expect(logged).toBeDefined();
      expect(JSON.stringify(logged)).toMatch(/column/i);
    } finally {
      await app.prisma.$executeRawUnsafe('ALTER TABLE "User" RENAME COLUMN "renamed_for_test" TO "name"');
    }
    expect((await graphql(app.url, ME, undefined, { token: account.accessToken })).data!.me.id).toBe(account.user.id);
  });

  test("a query stuck behind a lock is cancelled by PostgreSQL at DATABASE_STATEMENT_TIMEOUT: SERVICE_UNAVAILABLE, not a hang", async () => {
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    // Every login first counts the attempt in this table; an operator's migration holding this
    // lock would stall them all.
    await admin.query("BEGIN");
    await admin.query('LOCK TABLE "login_rate_limit" IN ACCESS EXCLUSIVE MODE');
    try {
      // Answered while the lock is still held: the statement was given up on, not waited out.
      const login = await graphql(app.url, LOGIN, { input: { email: account.user.email, password: PASSWORD } });
      expect(login.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: "SERVICE_UNAVAILABLE" }) })]);
      // The server's own timeout, which keeps the connection usable, came first, not the client's.
      const logged = logs.lines().find((line) => line.requestId === login.headers.get("x-request-id") && line.err);
      expect(JSON.stringify(logged)).toMatch(/canceling statement due to statement timeout/);
    } finally {
      await admin.query("ROLLBACK");
      await admin.end();
    }
    const login = await graphql(app.url, LOGIN, { input: { email: account.user.email, password: PASSWORD } });
    expect(login.errors).toBeUndefined();
  });

  test(
    "PostgreSQL freezes (SIGSTOP): requests answer SERVICE_UNAVAILABLE within the timeouts instead of hanging, the auth cache goes off, and all works again once it thaws",
    async () => {
      const clusterDir = path.join(dataDir, "postgres");
      const timed = async (request: Promise<GraphQLResponse>) => {
        const started = Date.now();
        const response = await request;
        return { response, ms: Date.now() - started };
      };
      // Every answer below arrives while PostgreSQL is still stopped (SIGCONT comes only after them):
      // given up on within the timeouts, not waited out. How long each took is logged, not asserted.
      const outcome = (response: GraphQLResponse) =>
        response.errors === undefined ? "OK" : `${response.status} ${String(response.errors[0]?.extensions?.code)}`;
      const readyz = async () => {
        const response = await fetch(new URL("/readyz", app.url));
        return { httpStatus: response.status, ...((await response.json()) as { status: string; reason?: string; authCache: string }) };
      };
      expect((await graphql(app.url, ME, undefined, { token: account.accessToken })).data!.me.id).toBe(account.user.id);
      expect(await readyz()).toMatchObject({ httpStatus: 200, authCache: "on" });

      signalCluster(clusterDir, "SIGSTOP");
      const frozenAt = Date.now();
      try {
        // Logins (a rate-limiter write first) and signups (a transaction), all at once.
        const writes = await Promise.all([
          ...Array.from({ length: 4 }, () => timed(graphql(app.url, LOGIN, { input: { email: account.user.email, password: PASSWORD } }))),
          ...Array.from({ length: 2 }, () =>
            timed(graphql(app.url, SIGNUP, { input: { email: uniqueEmail(), password: PASSWORD, name: "Frozen" } })),
          ),
        ]);
        const slowestWriteMs = Math.max(...writes.map(({ ms }) => ms));
        for (const { response } of writes) {
          expect(response.errors).toEqual([
            expect.objectContaining({ extensions: expect.objectContaining({ code: "SERVICE_UNAVAILABLE" }) }),
          ]);
        }
        // `me` may be answered from the auth cache until the change listener's ping goes
        // unanswered; then the cache is off, and `me` must reach the frozen database too.
        let me = await timed(graphql(app.url, ME, undefined, { token: account.accessToken }));
        while (outcome(me.response) === "OK" && Date.now() - frozenAt < EVENT_DEADLINE_MS) {
          await new Promise((resolve) => setTimeout(resolve, 250));
          me = await timed(graphql(app.url, ME, undefined, { token: account.accessToken }));
        }
        const cacheOffAfterMs = Date.now() - frozenAt;
        expect(outcome(me.response)).toBe("200 SERVICE_UNAVAILABLE");
        expect(logs.lines().some((line) => line.msg === "auth change listener lost its connection; cache off until it is back")).toBe(true);
        expect(await readyz()).toEqual({ httpStatus: 503, status: "not ready", reason: "database unreachable", authCache: "off" });
        console.log(
          `frozen database: logins and signups answered within ${slowestWriteMs} ms, cache off and me unavailable after ${cacheOffAfterMs} ms, the last me in ${me.ms} ms`,
        );
      } finally {
        signalCluster(clusterDir, "SIGCONT");
      }

      const thawedAt = Date.now();
      let me = await graphql(app.url, ME, undefined, { token: account.accessToken });
      while (outcome(me) !== "OK" && Date.now() - thawedAt < EVENT_DEADLINE_MS) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        me = await graphql(app.url, ME, undefined, { token: account.accessToken });
      }
      expect(me.data!.me.id).toBe(account.user.id);
      const login = await graphql(app.url, LOGIN, { input: { email: account.user.email, password: PASSWORD } });
      expect(outcome(login)).toBe("OK");
      console.log(`frozen database: requests work again ${Date.now() - thawedAt} ms after it thawed`);
      // The change listener reconnects by itself (with backoff), and the cache is on again.
      let ready = await readyz();
      while (ready.authCache !== "on" && Date.now() - thawedAt < 2 * EVENT_DEADLINE_MS) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        ready = await readyz();
      }
      expect(ready).toMatchObject({ httpStatus: 200, authCache: "on" });
    },
    LONG_TEST_TIMEOUT_MS,
  );

  test(
    "PostgreSQL stops mid-traffic: requests fail with SERVICE_UNAVAILABLE while it is down, then the server recovers alone",
    async () => {
      // Traffic that keeps running through the outage: queries in flight when the server stops, and
      // pooled connections that it cuts. Every answer must be the user or SERVICE_UNAVAILABLE.
      const outcomes = new Map<string, number>();
      let trafficOn = true;
      const traffic = Array.from({ length: 4 }, async () => {
        while (trafficOn) {
          const response = await graphql(app.url, ME, undefined, { token: account.accessToken });
          const outcome = response.data?.me ? "OK" : `${response.status} ${String(response.errors?.[0]?.extensions?.code)}`;
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        }
      });
      // Some connections sit idle in the pool when the server goes: the traffic alone, mostly
      // answered from the auth cache, may leave none.
      await Promise.all(Array.from({ length: 3 }, () => app.prisma.$executeRaw`SELECT pg_sleep(0.05)`));
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Idle pooled connections for the shutdown to cut: more than the four loops can hold, since
      // requests that lose the listener's catch-up query at that moment read the database at once.
      await Promise.all(Array.from({ length: 8 }, () => app.prisma.$executeRaw`SELECT pg_sleep(0.05)`));
      await db.stop();

      const during = await Promise.all([
        ...Array.from({ length: 10 }, () => graphql(app.url, ME, undefined, { token: account.accessToken })),
        ...Array.from({ length: 5 }, () => graphql(app.url, LOGIN, { input: { email: account.user.email, password: PASSWORD } })),
      ]);
      for (const response of during) {
        expect(response.status).toBe(200);
        expect(response.errors).toHaveLength(1);
        expect(response.errors![0]).toMatchObject({
          message: "The service is temporarily unavailable. Try again shortly.",
          extensions: { code: "SERVICE_UNAVAILABLE", requestId: response.headers.get("x-request-id") },
        });
        expect(response.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|postgres|prisma/i);
      }
      // Pooled connections cut by the shutdown were reported, not thrown: no crash.
      expect(logs.lines().some((line) => line.msg === "idle database connection lost")).toBe(true);
      // The process is up and says so.
      expect((await fetch(new URL("/healthz", app.url))).status).toBe(200);

      db = await startEmbeddedPostgres(dataDir, { port: db.port });
      const deadline = Date.now() + EVENT_DEADLINE_MS;
      let me = await graphql(app.url, ME, undefined, { token: account.accessToken });
      while (!me.data?.me && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        me = await graphql(app.url, ME, undefined, { token: account.accessToken });
      }
      expect(me.data!.me.id).toBe(account.user.id);
      trafficOn = false;
      await Promise.all(traffic);
      expect([...outcomes.keys()].sort()).toEqual(["200 SERVICE_UNAVAILABLE", "OK"]);
      const login = await graphql(app.url, LOGIN, { input: { email: account.user.email, password: PASSWORD } });
      expect(login.errors).toBeUndefined();
    },
    LONG_TEST_TIMEOUT_MS,
  );
});
