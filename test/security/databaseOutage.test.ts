import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startApp, type RunningApp } from "../../src/app";
import { loadConfig } from "../../src/config";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../../src/db/embeddedPostgres";
import { applyMigrations } from "../../src/db/migrations";
import { graphql, LOGIN, ME, PASSWORD, signUp, type AuthPayload } from "../support/graphqlClient";
import { captureLogs } from "../support/capturedLogs";
import { TEST_JWT_SECRET } from "../support/testServer";

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
    });
    app = await startApp(config, { logger: logs.logger });
    account = await signUp(app.url);
  }, 120_000);
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

  test("PostgreSQL stops mid-traffic: requests fail fast with SERVICE_UNAVAILABLE, then the server recovers alone", async () => {
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
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Idle pooled connections for the shutdown to cut: more than the four loops can hold, since
    // requests that lose the listener's catch-up query at that moment read the database at once.
    await Promise.all(Array.from({ length: 8 }, () => app.prisma.$executeRaw`SELECT pg_sleep(0.05)`));
    await db.stop();

    const started = Date.now();
    const during = await Promise.all([
      ...Array.from({ length: 10 }, () => graphql(app.url, ME, undefined, { token: account.accessToken })),
      ...Array.from({ length: 5 }, () => graphql(app.url, LOGIN, { input: { email: account.user.email, password: PASSWORD } })),
    ]);
    expect(Date.now() - started).toBeLessThan(5_000);
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
    const deadline = Date.now() + 30_000;
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
  }, 90_000);
});
