import net from "node:net";
import pg from "pg";
import { listenerApplicationName } from "../../src/auth/authCache/changeListener";
import { startTestServer } from "../support/testServer";

// A start that fails after the database, the listener, the mailer and Apollo are open (here: the
// port is taken) closes them again, as stop() would, and reports the failure.
describe("a start-up that fails half-way", () => {
  let taken: net.Server;
  let db: pg.Client;

  beforeAll(async () => {
    taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    db = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await new Promise((resolve) => taken?.close(resolve));
  });

  test("rejects with the cause and leaves no connection of this process's change listener open", async () => {
    const { port } = taken.address() as net.AddressInfo;
    await expect(startTestServer({ PORT: String(port) })).rejects.toMatchObject({ code: "EADDRINUSE" });
    const listeners = await db.query("SELECT 1 FROM pg_stat_activity WHERE application_name = $1", [listenerApplicationName()]);
    expect(listeners.rowCount).toBe(0);
  });
});
