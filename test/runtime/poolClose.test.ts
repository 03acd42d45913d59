import pg from "pg";
import { closeDatabasePool, createDatabasePool } from "../../src/db/prismaClient";
import { captureLogs } from "../support/capturedLogs";

const SETTINGS = { poolSize: 4, statementTimeoutSeconds: 5, connectTimeoutSeconds: 5 };

describe("closing the database pool before PostgreSQL stops", () => {
  const logs = captureLogs("info");
  let admin: pg.Client;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
  });
  afterAll(() => admin.end());

  test("when closeDatabasePool resolves, PostgreSQL holds none of the pool's connections, so stopping it cuts nothing", async () => {
    const name = `pool-close-${process.pid}-${Date.now()}`;
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.searchParams.set("application_name", name);
    const pool = createDatabasePool(url.toString(), SETTINGS, logs.logger);
    const stillOpen = new Set<pg.Client>();
    pool.on("connect", (client) => {
      stillOpen.add(client);
      client.once("end", () => stillOpen.delete(client));
    });
    // Four connections at once, all idle in the pool afterwards.
    await Promise.all(Array.from({ length: 4 }, () => pool.query("SELECT pg_sleep(0.05)")));
    expect(pool.idleCount).toBe(4);

    await closeDatabasePool(pool);
    // Each connection has closed, not only been asked to: its socket is gone.
    expect(stillOpen.size).toBe(0);
    const { rows } = await admin.query<{ count: string }>("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", [name]);
    expect(rows).toEqual([{ count: "0" }]);
    expect(logs.lines().filter((line) => Number(line.level) >= 40)).toEqual([]);
  });
});
