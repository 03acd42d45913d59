import pg from "pg";
import { graphql, PASSWORD, SIGNUP, uniqueEmail } from "../support/graphqlClient";
import { createIsolatedDatabase } from "../support/isolatedDatabase";
import { probe, probeOnceItMatches } from "../support/readiness";
import { startTestServer, useTestServer } from "../support/testServer";

describe("health and readiness probes", () => {
  const app = useTestServer();

  test("GET /healthz: the process is alive", async () => {
    expect(await probe(app.url, "/healthz")).toEqual({ status: 200, type: "application/json; charset=utf-8", body: { status: "ok" } });
  });

  test("GET /readyz: 200 when the database answers and every migration is applied", async () => {
    const ready = { status: 200, body: { status: "ready", authCache: "on" } };
    expect(await probeOnceItMatches(app.url, "/readyz", ready)).toMatchObject(ready);
  });

  test("GET /readyz: 503 with the pending migrations when the database lacks them", async () => {
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    const name = `unmigrated_${process.pid}_${Date.now()}`;
    await admin.query(`CREATE DATABASE "${name}"`);
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.pathname = `/${name}`;
    const unmigrated = await startTestServer({ DATABASE_URL: url.toString() });
    try {
      const pending = { status: 503, body: { status: "not ready", reason: "migrations pending" } };
      const answer = await probeOnceItMatches(unmigrated.url, "/readyz", pending);
      expect(answer).toMatchObject(pending);
      expect(answer.body.pendingMigrations).toEqual(
        expect.arrayContaining([expect.stringMatching(/_init$/), expect.stringMatching(/_auth_change_notifications$/)]),
      );
    } finally {
      await unmigrated.stop();
      await admin.query(`DROP DATABASE "${name}"`);
      await admin.end();
    }
  });

  test("GET /readyz: 503 when the database answers reads but takes no writes, and writes answer SERVICE_UNAVAILABLE", async () => {
    const database = await createIsolatedDatabase();
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    // As a standby, or a database an operator made read-only: every new connection is.
    await admin.query(`ALTER DATABASE "${new URL(database.url).pathname.slice(1)}" SET default_transaction_read_only = on`);
    await admin.end();
    const readOnly = await startTestServer({ DATABASE_URL: database.url });
    try {
      const readOnlyAnswer = { status: 503, body: { status: "not ready", reason: "database read-only" } };
      expect(await probeOnceItMatches(readOnly.url, "/readyz", readOnlyAnswer)).toMatchObject(readOnlyAnswer);
      const signup = await graphql(readOnly.url, SIGNUP, { input: { email: uniqueEmail(), password: PASSWORD, name: "Read Only" } });
      expect(signup.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: "SERVICE_UNAVAILABLE" }) })]);
      expect((await probe(readOnly.url, "/healthz")).status).toBe(200);
    } finally {
      await readOnly.stop();
      await database.drop();
    }
  });

  test("GET /readyz: 503 when the database cannot be reached, and the process stays up", async () => {
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.port = "1"; // nothing listens there
    const cutOff = await startTestServer({ DATABASE_URL: url.toString() });
    try {
      expect(await probe(cutOff.url, "/readyz")).toMatchObject({
        status: 503,
        body: { status: "not ready", reason: "database unreachable", authCache: "off" },
      });
      expect((await probe(cutOff.url, "/healthz")).status).toBe(200);
    } finally {
      await cutOff.stop();
    }
  });
});
