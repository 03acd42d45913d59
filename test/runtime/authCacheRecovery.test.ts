import pg from "pg";
import type { RunningApp } from "../../src/app";
import { listenerApplicationName } from "../../src/auth/authCache/changeListener";
import { startTestServer } from "../support/testServer";
import { graphql, ME, signUp, type AuthPayload } from "../support/graphqlClient";
import { waitUntil } from "../support/waitUntil";

// A process that may have missed notifications must not answer from memory until it listens
// again, and then only from an emptied cache.
describe("when the auth cache's listener connection is lost", () => {
  let app: RunningApp;
  let db: pg.Client;

  beforeAll(async () => {
    app = await startTestServer();
    db = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await app?.stop();
  });

  const readyz = async () => (await fetch(new URL("/readyz", app.url))).json() as Promise<{ authCache: string }>;

  async function waitForCache(state: "on" | "off") {
    await waitUntil(async () => (await readyz()).authCache === state, `the auth cache turns ${state}`);
  }

  async function me(account: AuthPayload) {
    return graphql(app.url, ME, undefined, { token: account.accessToken });
  }

  test("changes made meanwhile are never answered from memory, during the outage or after it", async () => {
    await waitForCache("on");
    const revoked = await signUp(app.url);
    const renamed = await signUp(app.url);
    for (const account of [revoked, renamed, revoked, renamed]) expect((await me(account)).errors).toBeUndefined();

    const killed = await db.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [
      listenerApplicationName(),
    ]);
    expect(killed.rowCount).toBe(1);
    await waitForCache("off");

    // Nobody in this process hears about these two changes.
    await db.query(`UPDATE "Session" SET "revokedAt" = now() WHERE "userId" = $1`, [revoked.user.id]);
    await db.query(`UPDATE "User" SET name = 'Renamed while unheard' WHERE id = $1`, [renamed.user.id]);

    expect((await me(revoked)).errors?.[0]?.extensions).toEqual({ code: "UNAUTHENTICATED", reason: "SESSION_ENDED" });

    await waitForCache("on");
    expect((await me(revoked)).errors?.[0]?.extensions).toEqual({ code: "UNAUTHENTICATED", reason: "SESSION_ENDED" });
    expect((await me(renamed)).data!.me.name).toBe("Renamed while unheard");
    // And the cache works again: changes are heard once more.
    await db.query(`UPDATE "User" SET name = 'Renamed again' WHERE id = $1`, [renamed.user.id]);
    expect((await me(renamed)).data!.me.name).toBe("Renamed again");
  });

  // A cache hit waits for the listener to catch up (AuthChangeListener.caughtUp). A listener whose
  // PostgreSQL backend stops answering may be holding back notifications: past 2 s it is taken for
  // lost, so requests are answered from the database, not held forever or from a stale cache.
  test("a listener connection that stops answering turns the cache off, and requests are answered from the database meanwhile", async () => {
    await waitForCache("on");
    const account = await signUp(app.url);
    for (let i = 0; i < 2; i++) expect((await me(account)).errors).toBeUndefined();
    const { rows } = await db.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = $1", [
      listenerApplicationName(),
    ]);
    expect(rows).toHaveLength(1);
    const backend = rows[0]!.pid;
    process.kill(backend, "SIGSTOP");
    try {
      await db.query(`UPDATE "User" SET name = 'Renamed while stuck' WHERE id = $1`, [account.user.id]);
      // Answered while the backend is still stopped (it is let go only after), and not from memory.
      expect((await me(account)).data!.me.name).toBe("Renamed while stuck");
      expect((await readyz()).authCache).toBe("off");
    } finally {
      process.kill(backend, "SIGCONT");
    }
    await waitForCache("on");
    expect((await me(account)).data!.me.name).toBe("Renamed while stuck");
  });
});
