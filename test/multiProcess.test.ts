import pg from "pg";
import { startChildServer, type ChildServer } from "./support/childServer";
import { graphql, ME, signUp, type AuthPayload } from "./support/graphqlClient";

// Two API processes on one PostgreSQL, each with its auth cache on: what one process changes,
// the other must honour at once, although it answered the same token from memory a moment ago.
describe("two server processes on one PostgreSQL", () => {
  let a: ChildServer;
  let b: ChildServer;
  let db: pg.Client;

  beforeAll(async () => {
    [a, b] = await Promise.all([startChildServer(), startChildServer()]);
    db = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  /** Asks both processes twice, so both have the session and user in their caches. */
  async function warmBoth(account: AuthPayload) {
    for (const server of [a, b, a, b]) {
      const me = await graphql(server.url, ME, undefined, { token: account.accessToken });
      expect(me.data!.me.id).toBe(account.user.id);
    }
  }

  async function expectSessionEnded(server: ChildServer, token: string) {
    const me = await graphql(server.url, ME, undefined, { token });
    expect(me.errors?.[0]?.extensions).toEqual({ code: "UNAUTHENTICATED", reason: "SESSION_ENDED" });
  }

  test("both processes report the cache on", async () => {
    for (const server of [a, b]) {
      const ready = await fetch(`${server.origin}/readyz`);
      expect(await ready.json()).toEqual({ status: "ready", authCache: "on" });
    }
  });

  test("a token issued by A works on B", async () => {
    const account = await signUp(a.url);
    const me = await graphql(b.url, ME, undefined, { token: account.accessToken });
    expect(me.errors).toBeUndefined();
    expect(me.data!.me.email).toBe(account.user.email);
  });

  test("a session ended through B is refused by A at once", async () => {
    const account = await signUp(a.url);
    await warmBoth(account);
    const sessionId = JSON.parse(Buffer.from(account.accessToken.split(".")[1]!, "base64url").toString()).sid as string;
    await db.query(`UPDATE "Session" SET "revokedAt" = now(), "revokedReason" = 'LOGOUT' WHERE id = $1`, [sessionId]);
    await expectSessionEnded(a, account.accessToken);
    await expectSessionEnded(b, account.accessToken);
  });

  test("bumping the token version (logout everywhere, password change) is honoured by both at once", async () => {
    const account = await signUp(a.url);
    await warmBoth(account);
    await db.query(`UPDATE "User" SET "tokenVersion" = "tokenVersion" + 1 WHERE id = $1`, [account.user.id]);
    await expectSessionEnded(a, account.accessToken);
    await expectSessionEnded(b, account.accessToken);
  });

  test("a profile change shows on both at once", async () => {
    const account = await signUp(a.url);
    await warmBoth(account);
    await db.query(`UPDATE "User" SET name = 'Renamed', role = 'ADMIN' WHERE id = $1`, [account.user.id]);
    for (const server of [a, b]) {
      const me = await graphql(server.url, ME, undefined, { token: account.accessToken });
      expect(me.data!.me).toMatchObject({ name: "Renamed", role: "ADMIN" });
    }
  });

  test("a deleted user is refused by both at once", async () => {
    const account = await signUp(a.url);
    await warmBoth(account);
    await db.query(`DELETE FROM "User" WHERE id = $1`, [account.user.id]);
    await expectSessionEnded(a, account.accessToken);
    await expectSessionEnded(b, account.accessToken);
  });
});
