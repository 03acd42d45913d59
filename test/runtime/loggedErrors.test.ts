import pg from "pg";
import type { RunningApp } from "../../src/app";
import { captureLogs } from "../support/capturedLogs";
import { startTestServer } from "../support/testServer";
import { waitUntil } from "../support/waitUntil";

describe("errors in the logs", () => {
  let app: RunningApp;
  let admin: pg.Client;
  const logs = captureLogs("info");

  beforeAll(async () => {
    app = await startTestServer({}, undefined, logs.logger);
    admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
    await app.stop();
  });

  test("an idle connection that PostgreSQL ends is logged with the error's type, message and code, not the library's client", async () => {
    // A query through the app's pool leaves its connection idle there; PostgreSQL then ends it.
    const [{ pid }] = await app.prisma.$queryRaw<[{ pid: number }]>`SELECT pg_backend_pid() AS pid`;
    await admin.query("SELECT pg_terminate_backend($1)", [pid]);

    const lost = () => logs.lines().filter((line) => line.msg === "idle database connection lost");
    await waitUntil(() => lost().length > 0, "the lost connection is logged");
    const { err } = lost()[0] as { err: Record<string, unknown> };
    expect(err).toMatchObject({ type: "DatabaseError", code: "57P01", message: "terminating connection due to administrator command" });
    // pg-pool hangs the whole client on this error: its prepared statements, PostgreSQL's
    // process id and the key that cancels its queries.
    expect(Object.keys(err).sort()).toEqual(["code", "message", "stack", "type"]);
    expect(JSON.stringify(lost())).not.toMatch(/secretKey|processID/);
  });
});
