import pg from "pg";
import { startChildServer, type ChildServer } from "../support/childServer";
import { graphql, LOGOUT, ME, REFRESH, signUp, type AuthPayload } from "../support/graphqlClient";
import { LONG_TEST_TIMEOUT_MS } from "../support/timeouts";
import { waitUntil } from "../support/waitUntil";

// A refresh moves its session's expiresAt later without notifying the auth caches
// (prisma/migrations/*_session_extension_without_notification). Two API processes on one
// PostgreSQL, each with its cache on: an ending still reaches both at once, and an extension made
// in one is honoured by the other once its cached expiry has passed.
describe("a session extended by a refresh, seen from two processes", () => {
  let a: ChildServer;
  let b: ChildServer;
  let db: pg.Client;
  let listener: pg.Client;
  const notifications: string[] = [];

  beforeAll(async () => {
    [a, b] = await Promise.all([startChildServer(), startChildServer()]);
    db = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    listener = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await Promise.all([db.connect(), listener.connect()]);
    listener.on("notification", ({ payload }) => notifications.push(payload ?? ""));
    await listener.query("LISTEN auth_changes");
  }, LONG_TEST_TIMEOUT_MS);
  afterAll(async () => {
    await Promise.all([db?.end(), listener?.end()]);
    await Promise.all([a?.stop(), b?.stop()]);
  });

  const sessionIdOf = async (account: AuthPayload) =>
    (await db.query<{ id: string }>(`SELECT "id" FROM "Session" WHERE "userId" = $1`, [account.user.id])).rows[0]!.id;

  async function refreshOn(server: ChildServer, refreshToken: string) {
    const refreshed = await graphql(server.url, REFRESH, { token: refreshToken });
    expect(refreshed.errors).toBeUndefined();
    return { accessToken: refreshed.data!.refreshToken.accessToken, refreshToken: refreshed.data!.refreshToken.refreshToken! };
  }

  async function expectServed(server: ChildServer, token: string, userId: string) {
    const me = await graphql(server.url, ME, undefined, { token });
    expect(me.errors).toBeUndefined();
    expect(me.data!.me.id).toBe(userId);
  }

  async function expectSessionEnded(server: ChildServer, token: string) {
    const me = await graphql(server.url, ME, undefined, { token });
    expect(me.errors?.[0]?.extensions).toEqual({ code: "UNAUTHENTICATED", reason: "SESSION_ENDED" });
  }

  test("refreshes publish nothing; the logout after them publishes its session once", async () => {
    const account = await signUp(a.url);
    const sessionId = await sessionIdOf(account);
    const first = await refreshOn(a, account.refreshToken);
    const second = await refreshOn(b, first.refreshToken);
    await graphql(a.url, LOGOUT, undefined, { token: second.accessToken });

    // Notifications arrive in commit order: one sent by a refresh would be here before the logout's.
    await waitUntil(() => notifications.includes(`session:${sessionId}`), "the logout's notification arrives");
    expect(notifications.filter((payload) => payload === `session:${sessionId}`)).toHaveLength(1);
  });

  test("after refreshes on A, a logout on A ends the session on B at once, for every access token B has cached", async () => {
    const account = await signUp(a.url);
    await expectServed(b, account.accessToken, account.user.id);
    const refreshed = await refreshOn(a, account.refreshToken);
    const again = await refreshOn(a, refreshed.refreshToken);
    for (const token of [account.accessToken, refreshed.accessToken, again.accessToken]) await expectServed(b, token, account.user.id);

    await graphql(a.url, LOGOUT, undefined, { token: again.accessToken });
    for (const token of [account.accessToken, refreshed.accessToken, again.accessToken]) await expectSessionEnded(b, token);
  });

  test("an expiry moved earlier ends the session in both processes at once", async () => {
    const account = await signUp(a.url);
    for (const server of [a, b]) await expectServed(server, account.accessToken, account.user.id);

    await db.query(`UPDATE "Session" SET "expiresAt" = now() - interval '1 second' WHERE "id" = $1`, [await sessionIdOf(account)]);
    for (const server of [a, b]) await expectSessionEnded(server, account.accessToken);
  });

  test("B cached an expiry that a refresh on A then moved: once it has passed, B reads the session again and serves it", async () => {
    const account = await signUp(a.url);
    const soon = new Date(Date.now() + 2_000);
    // Moved earlier, so both processes hear of it; B then caches the near expiry.
    await db.query(`UPDATE "Session" SET "expiresAt" = $2 WHERE "id" = $1`, [await sessionIdOf(account), soon]);
    await expectServed(b, account.accessToken, account.user.id);

    await refreshOn(a, account.refreshToken);
    await waitUntil(() => Date.now() > soon.getTime() + 100, "the expiry B cached has passed");
    await expectServed(b, account.accessToken, account.user.id);
  });
});
