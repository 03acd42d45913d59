import pg from "pg";
import type { RunningApp } from "../../src/app";
import { graphql, PASSWORD, SIGNUP, uniqueEmail } from "../support/graphqlClient";
import { createIsolatedDatabase } from "../support/isolatedDatabase";
import { startTestServer, useTestServer } from "../support/testServer";

describe("health and readiness probes", () => {
  const app = useTestServer();

  const probe = async (server: Pick<RunningApp, "url">, path: string) => {
    const response = await fetch(new URL(path, server.url));
    return {
      status: response.status,
      type: response.headers.get("content-type"),
      body: (await response.json()) as Record<string, unknown>,
    };
  };

  test("GET /healthz: the process is alive", async () => {
    expect(await probe(app, "/healthz")).toEqual({ status: 200, type: "application/json; charset=utf-8", body: { status: "ok" } });
  });

  test("GET /readyz: 200 when the database answers and every migration is applied", async () => {
    expect(await probe(app, "/readyz")).toMatchObject({ status: 200, body: { status: "ready", authCache: "on" } });
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
      const { status, body } = await probe(unmigrated, "/readyz");
      expect(status).toBe(503);
      expect(body).toMatchObject({ status: "not ready", reason: "migrations pending" });
      expect(body.pendingMigrations).toEqual(
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
      expect(await probe(readOnly, "/readyz")).toMatchObject({ status: 503, body: { status: "not ready", reason: "database read-only" } });
      const signup = await graphql(readOnly.url, SIGNUP, { input: { email: uniqueEmail(), password: PASSWORD, name: "Read Only" } });
      expect(signup.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: "SERVICE_UNAVAILABLE" }) })]);
      expect((await probe(readOnly, "/healthz")).status).toBe(200);
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
      expect(await probe(cutOff, "/readyz")).toMatchObject({
        status: 503,
        body: { status: "not ready", reason: "database unreachable", authCache: "off" },
      });
      expect((await probe(cutOff, "/healthz")).status).toBe(200);
    } finally {
      await cutOff.stop();
    }
  });
});
