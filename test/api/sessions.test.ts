import crypto from "node:crypto";
import pg from "pg";
import type { RunningApp } from "../../src/app";
import { deleteEndedSessions } from "../../src/auth/sessions/cleanup";
import { createIsolatedDatabase } from "../support/isolatedDatabase";
import { browserGet, CookieJar, fragment, signInThroughProvider } from "../support/identitySignIn";
import { startLogin } from "../support/passkeys";
import { rawRequest } from "../support/rawHttp";
import { startTestServer, useTestServer } from "../support/testServer";
import { waitUntil } from "../support/waitUntil";
import {
  CHANGE_PASSWORD,
  graphql,
  LOGIN,
  logIn,
  LOGOUT,
  LOGOUT_ALL,
  ME,
  MY_SESSIONS,
  PASSWORD,
  REFRESH,
  refreshTokenInBody,
  REVOKE_SESSION,
  sessionsOf,
  signUp,
  uniqueEmail,
  type GraphQLResponse,
} from "../support/graphqlClient";

describe("sessions", () => {
  const app = useTestServer();

  const me = (token: string) => graphql(app.url, ME, undefined, { token });
  const refresh = (token: string) => graphql(app.url, REFRESH, { token });
  const expectSessionEnded = (response: GraphQLResponse) =>
    expect(response.errors![0]!.extensions).toEqual({ code: "UNAUTHENTICATED", reason: "SESSION_ENDED" });

  test("logout kills the session's access token at once, and its refresh token", async () => {
    const account = await signUp(app.url);
    const otherDevice = await logIn(app.url, account.user.email);

    const logout = await graphql(app.url, LOGOUT, undefined, { token: account.accessToken });
    expect(logout.data).toEqual({ logout: true });

    expectSessionEnded(await me(account.accessToken));
    expectSessionEnded(await refresh(account.refreshToken));
    // Only that session ended.
    expect((await me(otherDevice.accessToken)).data!.me.id).toBe(account.user.id);
  });

  test("logout needs a valid access token", async () => {
    const response = await graphql(app.url, LOGOUT);
    expect(response.errors![0]!.extensions).toEqual({ code: "UNAUTHENTICATED", reason: "NOT_AUTHENTICATED" });
  });

  test("logoutAll kills every session of the user, and only theirs", async () => {
    const account = await signUp(app.url);
    const laptop = await logIn(app.url, account.user.email);
    const phone = await logIn(app.url, account.user.email);
    const stranger = await signUp(app.url);

    const response = await graphql(app.url, LOGOUT_ALL, undefined, { token: laptop.accessToken });
    expect(response.data).toEqual({ logoutAll: true });

    for (const session of [account, laptop, phone]) {
      expectSessionEnded(await me(session.accessToken));
      expectSessionEnded(await refresh(session.refreshToken));
    }
    expect((await me(stranger.accessToken)).data!.me.id).toBe(stranger.user.id);
    // A new login works as usual.
    const again = await logIn(app.url, account.user.email);
    expect((await me(again.accessToken)).data!.me.id).toBe(account.user.id);
  });

  test("a password change kills other sessions and keeps the caller's new one", async () => {
    const account = await signUp(app.url);
    const otherDevice = await logIn(app.url, account.user.email);
    const newPassword = "a brand new passphrase";

    const response = await graphql(
      app.url,
      CHANGE_PASSWORD,
      { input: { currentPassword: PASSWORD, newPassword } },
      { token: account.accessToken },
    );
    expect(response.errors).toBeUndefined();
    const fresh = refreshTokenInBody(response.data!.changePassword, response);

    expectSessionEnded(await me(otherDevice.accessToken));
    expectSessionEnded(await refresh(otherDevice.refreshToken));
    expectSessionEnded(await me(account.accessToken));
    expect((await me(fresh.accessToken)).data!.me.id).toBe(account.user.id);
    expect((await refresh(fresh.refreshToken)).errors).toBeUndefined();

    const oldPassword = await graphql(app.url, LOGIN, { input: { email: account.user.email, password: PASSWORD } });
    expect(oldPassword.errors![0]!.extensions).toMatchObject({ reason: "INVALID_CREDENTIALS" });
    await logIn(app.url, account.user.email, newPassword);
  });

  test("a password change needs the right current password and a valid new one, and changes nothing otherwise", async () => {
    const account = await signUp(app.url);
    const cases = [
      [{ currentPassword: "wrong password", newPassword: "a brand new passphrase" }, "currentPassword"],
      [{ currentPassword: PASSWORD, newPassword: "short" }, "newPassword"],
      [{ currentPassword: `${PASSWORD}\ud800`, newPassword: "a brand new passphrase" }, "currentPassword"],
      [{ currentPassword: PASSWORD, newPassword: "a brand new passphrase\udc00" }, "newPassword"],
    ] as const;
    for (const [input, field] of cases) {
      const response = await graphql(app.url, CHANGE_PASSWORD, { input }, { token: account.accessToken });
      expect(response.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
    }
    expect((await me(account.accessToken)).data!.me.id).toBe(account.user.id);
    await logIn(app.url, account.user.email, PASSWORD);
  });

  test("mySessions lists the caller's live sessions with what the server saw", async () => {
    const account = await signUp(app.url);
    const phone = await logIn(app.url, account.user.email, PASSWORD, { "user-agent": "TestPhone/1.0" });
    const ended = await logIn(app.url, account.user.email);
    await graphql(app.url, LOGOUT, undefined, { token: ended.accessToken });

    const response = await graphql(app.url, MY_SESSIONS, undefined, { token: phone.accessToken });
    expect(response.errors).toBeUndefined();
    const sessions = sessionsOf(response);
    expect(sessions).toHaveLength(2);
    expect(sessions[0]).toMatchObject({ userAgent: "TestPhone/1.0", ip: expect.stringMatching(/127\.0\.0\.1/), current: true });
    expect(sessions[1]!.current).toBe(false);
  });

  test("a User-Agent is stored as the client wrote it in UTF-8, without control characters, at most 512 characters", async () => {
    const account = await signUp(app.url);
    // The header's bytes, given as a Latin-1 string (Node's client writes it byte for byte when the body is a Buffer).
    const userAgentSeen = async (bytes: Buffer) => {
      const headers: Array<[string, string]> = [
        ["content-type", "application/json"],
        ["user-agent", bytes.toString("latin1")],
      ];
      const body = JSON.stringify({ query: LOGIN, variables: { input: { email: account.user.email, password: PASSWORD } } });
      const answer = await rawRequest(app.url, "POST", headers, Buffer.from(body));
      const login = JSON.parse(answer.text) as { data: { login: { accessToken: string } } };
      const sessions = sessionsOf(await graphql(app.url, MY_SESSIONS, undefined, { token: login.data.login.accessToken }));
      return sessions.find((session) => session.current)!.userAgent;
    };
    const utf8 = (text: string) => Buffer.from(text, "utf8");
    expect(await userAgentSeen(utf8("Phone/1.0 (ünïcødé; 😀)"))).toBe("Phone/1.0 (ünïcødé; 😀)");
    // U+009B is a terminal escape; a tab passes Node's header check too.
    expect(await userAgentSeen(utf8("Evil\u009b31m\tPhone/1.0 \u0085"))).toBe("Evil 31m Phone/1.0");
    expect(await userAgentSeen(Buffer.from([0x42, 0xff, 0x43]))).toBe("B\ufffdC");
    // Cut at 512 characters, not in the middle of an emoji's surrogate pair.
    expect(await userAgentSeen(utf8(`a${"😀".repeat(600)}`))).toBe(`a${"😀".repeat(511)}`);
  });

  test("a user cannot see or revoke another user's sessions", async () => {
    const alice = await signUp(app.url);
    const mallory = await signUp(app.url);
    const aliceSessions = sessionsOf(await graphql(app.url, MY_SESSIONS, undefined, { token: alice.accessToken }));
    const malloryView = sessionsOf(await graphql(app.url, MY_SESSIONS, undefined, { token: mallory.accessToken }));
    expect(malloryView.map((s) => s.id)).not.toContain(aliceSessions[0]!.id);

    const attempt = await graphql(app.url, REVOKE_SESSION, { id: aliceSessions[0]!.id }, { token: mallory.accessToken });
    expect(attempt.errors![0]!.extensions).toEqual({ code: "BAD_USER_INPUT", field: "id", reason: "NOT_FOUND" });
    expect((await me(alice.accessToken)).data!.me.id).toBe(alice.user.id);
  });

  test("revokeSession ends one of the caller's own sessions", async () => {
    const account = await signUp(app.url);
    const stolenLaptop = await logIn(app.url, account.user.email);
    const sessions = sessionsOf(await graphql(app.url, MY_SESSIONS, undefined, { token: account.accessToken }));
    const laptopSession = sessions.find((s) => !s.current)!;

    const response = await graphql(app.url, REVOKE_SESSION, { id: laptopSession.id }, { token: account.accessToken });
    expect(response.data).toEqual({ revokeSession: true });
    expectSessionEnded(await me(stolenLaptop.accessToken));
    expect((await me(account.accessToken)).data!.me.id).toBe(account.user.id);

    const malformed = await graphql(app.url, REVOKE_SESSION, { id: "'; DROP TABLE" }, { token: account.accessToken });
    expect(malformed.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "id" });
  });
});

describe("paging mySessions", () => {
  // A stopped clock: every session starts in the same millisecond, so only the id orders them.
  const startedAt = Date.now();
  const app = useTestServer({}, () => startedAt);
  const page = (token: string, variables: { first?: number; after?: string | null }) => graphql(app.url, MY_SESSIONS, variables, { token });

  test("walking the pages returns every live session once, newest first with ties by id", async () => {
    const account = await signUp(app.url);
    for (let i = 0; i < 6; i++) await logIn(app.url, account.user.email);
    const live = await app.prisma.session.findMany({
      where: { userId: account.user.id, revokedAt: null },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    });
    expect(live).toHaveLength(7);
    expect(new Set(live.map((session) => session.createdAt.getTime()))).toEqual(new Set([startedAt]));

    const seen: string[] = [];
    const pageSizes: number[] = [];
    let after: string | null = null;
    for (let more = true; more;) {
      const response = await page(account.accessToken, { first: 3, after });
      expect(response.errors).toBeUndefined();
      const { edges, pageInfo } = response.data!.mySessions;
      seen.push(...sessionsOf(response).map((session) => session.id));
      pageSizes.push(edges.length);
      expect(pageInfo.endCursor).toBe(edges.at(-1)!.cursor);
      ({ hasNextPage: more, endCursor: after } = pageInfo);
    }
    expect(pageSizes).toEqual([3, 3, 1]);
    expect(seen).toEqual(live.map((session) => session.id));
  });

  test("the default page holds 20; first may be 1 to 100", async () => {
    const account = await signUp(app.url);
    for (let i = 0; i < 21; i++) await logIn(app.url, account.user.email);
    const byDefault = await page(account.accessToken, {});
    expect(sessionsOf(byDefault)).toHaveLength(20);
    expect(byDefault.data!.mySessions.pageInfo.hasNextPage).toBe(true);
    const largest = await page(account.accessToken, { first: 100 });
    expect(sessionsOf(largest)).toHaveLength(22);
    expect(largest.data!.mySessions.pageInfo).toEqual({ hasNextPage: false, endCursor: largest.data!.mySessions.edges[21]!.cursor });

    for (const first of [0, -1, 101, 1000]) {
      const response = await page(account.accessToken, { first });
      expect(response.status).toBe(200);
      expect(response.errors).toEqual([
        expect.objectContaining({ extensions: { code: "BAD_USER_INPUT", field: "first", reason: "INVALID" } }),
      ]);
    }
    // Written in the document rather than a variable, a large `first` still reaches the same check.
    const literal = await graphql(app.url, "{ mySessions(first: 1000) { edges { cursor } } }", undefined, { token: account.accessToken });
    expect(literal.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "first" });
  });

  test("a malformed cursor is BAD_USER_INPUT naming after, never an internal error", async () => {
    const account = await signUp(app.url);
    const cursors = [
      "",
      "not a cursor",
      "%%%",
      "x".repeat(10_000),
      Buffer.from("12:not-a-uuid").toString("base64url"),
      Buffer.from(`abc:${account.user.id}`).toString("base64url"),
      Buffer.from(`99999999999999999999:${account.user.id}`).toString("base64url"),
      Buffer.from("\u0000:'; DROP TABLE").toString("base64url"),
    ];
    for (const after of cursors) {
      const response = await page(account.accessToken, { after });
      expect([after, response.status, response.errors]).toEqual([
        after,
        200,
        [expect.objectContaining({ extensions: { code: "BAD_USER_INPUT", field: "after", reason: "INVALID" } })],
      ]);
    }
  });
});

describe("the session limit (MAX_SESSIONS_PER_USER=3)", () => {
  // Every login a second after the one before, so "oldest" is plain to see.
  const clock = { offsetMs: 0 };
  // Parallel logins of one account count as attempts in flight; the login limits are not the subject here.
  const app = useTestServer({ MAX_SESSIONS_PER_USER: "3", LOGIN_MAX_FAILURES_PER_ACCOUNT: "1000" }, () => Date.now() + clock.offsetMs);
  const loginLater = (email: string) => {
    clock.offsetMs += 1000;
    return logIn(app.url, email);
  };
  const me = (token: string) => graphql(app.url, ME, undefined, { token });
  const liveSessionIds = async (userId: string) =>
    (
      await app.prisma.session.findMany({
        where: { userId, revokedAt: null },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        select: { id: true },
      })
    ).map((session) => session.id);

  test("a login beyond the limit ends the oldest session at once; mySessions shows the limit", async () => {
    const first = await signUp(app.url);
    const second = await loginLater(first.user.email);
    const third = await loginLater(first.user.email);
    // The oldest session's token has just been accepted, so this process holds it in its auth cache.
    expect((await me(first.accessToken)).data!.me.id).toBe(first.user.id);
    const [, , oldest] = await liveSessionIds(first.user.id);

    const fourth = await loginLater(first.user.email);

    expect((await me(first.accessToken)).errors![0]!.extensions).toEqual({ code: "UNAUTHENTICATED", reason: "SESSION_ENDED" });
    expect((await graphql(app.url, REFRESH, { token: first.refreshToken })).errors![0]!.extensions).toMatchObject({
      reason: "SESSION_ENDED",
    });
    for (const live of [second, third, fourth]) expect((await me(live.accessToken)).data!.me.id).toBe(first.user.id);
    const ended = await app.prisma.session.findUniqueOrThrow({ where: { id: oldest } });
    expect(ended.revokedReason).toBe("SESSION_LIMIT");

    const listed = sessionsOf(await graphql(app.url, MY_SESSIONS, { first: 100 }, { token: fourth.accessToken }));
    expect(listed.map((session) => session.id)).toEqual(await liveSessionIds(first.user.id));
    expect(listed).toHaveLength(3);
    expect(listed[0]!.current).toBe(true);
    expect(listed.map((session) => session.id)).not.toContain(oldest);
  });

  test("parallel logins never leave a user above the limit", async () => {
    const account = await signUp(app.url);
    const logins = await Promise.all(Array.from({ length: 12 }, () => logIn(app.url, account.user.email)));
    expect(logins).toHaveLength(12);
    expect(await liveSessionIds(account.user.id)).toHaveLength(3);
  });

  test("logins at the limit racing logoutAll or a password change all succeed (no deadlock)", async () => {
    const account = await signUp(app.url);
    for (let round = 0; round < 10; round++) {
      await loginLater(account.user.email);
      await loginLater(account.user.email);
      // The newest of the three, so the two racing logins end older ones, never this one.
      const holder = await loginLater(account.user.email);
      clock.offsetMs += 1000;
      // The same password again: the racing logins succeed whichever commits first.
      const endAll =
        round % 2 === 0
          ? graphql(app.url, LOGOUT_ALL, undefined, { token: holder.accessToken })
          : graphql(
              app.url,
              CHANGE_PASSWORD,
              { input: { currentPassword: PASSWORD, newPassword: PASSWORD } },
              { token: holder.accessToken },
            );
      const racing = [endAll, ...[1, 2].map(() => graphql(app.url, LOGIN, { input: { email: account.user.email, password: PASSWORD } }))];
      for (const response of await Promise.all(racing)) expect(response.errors).toBeUndefined();
      expect((await liveSessionIds(account.user.id)).length).toBeLessThanOrEqual(3);
    }
  });
});

// The cleanup deletes across the whole table, so it runs on a database of its own.
describe("session cleanup", () => {
  const NINETY_DAYS = 90 * 24 * 3600;
  let app: RunningApp;
  let database: Awaited<ReturnType<typeof createIsolatedDatabase>>;
  beforeAll(async () => {
    database = await createIsolatedDatabase();
    app = await startTestServer({ DATABASE_URL: database.url });
  });
  afterAll(async () => {
    await app.stop();
    await database.drop();
  });

  test("ended and expired sessions are deleted by the cleanup, live ones stay", async () => {
    const live = await signUp(app.url);
    const loggedOut = await signUp(app.url);
    await graphql(app.url, LOGOUT, undefined, { token: loggedOut.accessToken });

    // Two days later (past the one-day retention of ended sessions), thirty-one days later (expired).
    const twoDays = Date.now() + 2 * 24 * 3600_000;
    await deleteEndedSessions(app.prisma, twoDays, 1000, NINETY_DAYS);
    expect(await app.prisma.session.count({ where: { userId: loggedOut.user.id } })).toBe(0);
    expect(await app.prisma.session.count({ where: { userId: live.user.id } })).toBe(1);

    await deleteEndedSessions(app.prisma, Date.now() + 32 * 24 * 3600_000, 1000, NINETY_DAYS);
    expect(await app.prisma.session.count({ where: { userId: live.user.id } })).toBe(0);
    expect(await app.prisma.refreshToken.count({ where: { session: { userId: live.user.id } } })).toBe(0);
  });

  test("an expired session is kept until the UTC day it expired on is a day past", async () => {
    const account = await signUp(app.url);
    const expiry = new Date("2026-01-10T23:00:00Z");
    await app.prisma.$executeRaw`UPDATE "Session" SET "expiresAt" = ${expiry} WHERE "userId" = ${account.user.id}`;
    const sessionCount = () => app.prisma.session.count({ where: { userId: account.user.id } });

    // A day and a half hour after it expired, but its day (the 10th) is not yet a day past.
    await deleteEndedSessions(app.prisma, Date.parse("2026-01-11T23:30:00Z"), 1000, NINETY_DAYS);
    expect(await sessionCount()).toBe(1);
    // Once the 11th is over, the 10th is more than a day past.
    await deleteEndedSessions(app.prisma, Date.parse("2026-01-12T00:00:01Z"), 1000, NINETY_DAYS);
    expect(await sessionCount()).toBe(0);
  });

  test("its deletes of sessions that ended or expired notify nobody; a live session deleted with its user still does", async () => {
    const expired = await signUp(app.url);
    const loggedOut = await signUp(app.url);
    await graphql(app.url, LOGOUT, undefined, { token: loggedOut.accessToken });
    // Ended two days ago: past the one-day retention, so the cleanup deletes both.
    await app.prisma.$executeRaw`UPDATE "Session" SET "expiresAt" = now() - interval '2 days' WHERE "userId" = ${expired.user.id}`;
    await app.prisma.$executeRaw`UPDATE "Session" SET "revokedAt" = now() - interval '2 days' WHERE "userId" = ${loggedOut.user.id}`;
    const endedIds = (await app.prisma.session.findMany({ where: { userId: { in: [expired.user.id, loggedOut.user.id] } } })).map(
      ({ id }) => id,
    );
    expect(endedIds).toHaveLength(2);

    const listener = new pg.Client({ connectionString: database.url });
    await listener.connect();
    try {
      const heard: string[] = [];
      listener.on("notification", ({ channel, payload }) => heard.push(`${channel} ${payload}`));
      await listener.query("LISTEN auth_changes; LISTEN live_events");

      await deleteEndedSessions(app.prisma, Date.now(), 1000, NINETY_DAYS);
      expect(await app.prisma.session.count({ where: { id: { in: endedIds } } })).toBe(0);

      // Notifications arrive in commit order: once the later deletion's are here, any the cleanup sent would be too.
      const live = await signUp(app.url);
      const liveId = (await app.prisma.session.findFirstOrThrow({ where: { userId: live.user.id } })).id;
      await app.prisma.user.delete({ where: { id: live.user.id } });
      await waitUntil(
        () =>
          heard.includes(`auth_changes session:${liveId}`) &&
          heard.some((line) => line.startsWith(`live_events session_ended:${live.user.id}:${liveId}:`)),
        "the live session's deletion is published on both channels",
      );
      expect(heard.filter((line) => endedIds.some((id) => line.includes(id)))).toEqual([]);
    } finally {
      await listener.end();
    }
  });

  test("a backlog larger than one batch is deleted in full, batch after batch", async () => {
    const users = await Promise.all([signUp(app.url), signUp(app.url), signUp(app.url)]);
    const ids = users.map(({ user }) => user.id);

    const deleted = await deleteEndedSessions(app.prisma, Date.now() + 32 * 24 * 3600_000, 2, NINETY_DAYS);
    expect(deleted.sessions).toBeGreaterThanOrEqual(3);
    expect(await app.prisma.session.count({ where: { userId: { in: ids } } })).toBe(0);
    expect(await app.prisma.refreshToken.count({ where: { session: { userId: { in: ids } } } })).toBe(0);
  });

  test("paced, a backlog is still deleted in full, batch after batch", async () => {
    const users = await Promise.all([signUp(app.url), signUp(app.url), signUp(app.url)]);
    const ids = users.map(({ user }) => user.id);

    const deleted = await deleteEndedSessions(app.prisma, Date.now() + 32 * 24 * 3600_000, 2, NINETY_DAYS, { pauseFactor: 2 });
    expect(deleted.sessions).toBeGreaterThanOrEqual(3);
    expect(await app.prisma.session.count({ where: { userId: { in: ids } } })).toBe(0);
  });

  test("stopped during a pause, the cleanup ends at once with the batches done, and the next run carries on", async () => {
    await Promise.all([signUp(app.url), signUp(app.url), signUp(app.url)]);
    const before = await app.prisma.session.count();
    const later = Date.now() + 32 * 24 * 3600_000;
    const stopping = new AbortController();

    // A pause a million times the batch's duration outlasts the test: only the stop can end it.
    const cleanup = deleteEndedSessions(app.prisma, later, 2, NINETY_DAYS, { pauseFactor: 1e6, signal: stopping.signal });
    await waitUntil(async () => (await app.prisma.session.count()) === before - 2, "the first batch is deleted");
    stopping.abort();
    expect((await cleanup).sessions).toBe(2);
    expect(await app.prisma.session.count()).toBe(before - 2);

    await deleteEndedSessions(app.prisma, later, 2, NINETY_DAYS);
    expect(await app.prisma.session.count()).toBe(0);
  });

  test("security events are deleted once older than SECURITY_EVENT_RETENTION, batch after batch; newer ones stay", async () => {
    const users = await Promise.all([signUp(app.url), signUp(app.url), signUp(app.url)]);
    const ids = users.map(({ user }) => user.id);
    const day = 24 * 3600_000;
    await deleteEndedSessions(app.prisma, Date.now() + 89 * day, 1000, NINETY_DAYS);
    expect(await app.prisma.securityEvent.count({ where: { userId: { in: ids } } })).toBe(3);
    const deleted = await deleteEndedSessions(app.prisma, Date.now() + 91 * day, 2, NINETY_DAYS);
    expect(deleted.securityEvents).toBeGreaterThanOrEqual(3);
    expect(await app.prisma.securityEvent.count({ where: { userId: { in: ids } } })).toBe(0);
  });

  test("a mailed link's token is deleted a day after it expired, not before", async () => {
    const { user } = await signUp(app.url);
    // Signup mails its verification link (valid 24 h) just after answering.
    await waitUntil(
      async () => (await app.prisma.emailToken.count({ where: { userId: user.id } })) > 0,
      "the verification token is stored",
    );
    const hour = 3600_000;
    await deleteEndedSessions(app.prisma, Date.now() + 47 * hour, 1000, NINETY_DAYS);
    expect(await app.prisma.emailToken.count({ where: { userId: user.id } })).toBe(1);
    await deleteEndedSessions(app.prisma, Date.now() + 48 * hour + 60_000, 1000, NINETY_DAYS);
    expect(await app.prisma.emailToken.count({ where: { userId: user.id } })).toBe(0);
  });

  test("an abandoned passkey sign-in's challenge is deleted by the periodic cleanup once expired (5 minutes), not before", async () => {
    let offsetMs = 0;
    const timed = await startTestServer({ DATABASE_URL: database.url, SESSION_CLEANUP_INTERVAL: "10s" }, () => Date.now() + offsetMs);
    try {
      const { user } = await signUp(timed.url);
      // A start that names the email stores its challenge with the account; nobody finishes it.
      await startLogin(timed.url, user.email);
      const challenges = () => timed.prisma.passkeyChallenge.count({ where: { userId: user.id } });
      expect(await challenges()).toBe(1);
      const deleted = await deleteEndedSessions(timed.prisma, Date.now() + 4 * 60_000, 1000, NINETY_DAYS);
      expect(deleted.passkeyChallenges).toBe(0);
      expect(await challenges()).toBe(1);
      offsetMs = 6 * 60_000;
      await waitUntil(async () => (await challenges()) === 0, "the periodic cleanup deleted the expired challenge");
    } finally {
      await timed.stop();
    }
  });

  test("identity sign-ins abandoned at the provider (10 minutes) and login codes never used (60 s) are deleted by the periodic cleanup once expired", async () => {
    const appUrl = "http://localhost:5173";
    let offsetMs = 0;
    const timed = await startTestServer(
      { DATABASE_URL: database.url, SESSION_CLEANUP_INTERVAL: "10s", OIDC_DEV_PROVIDER: "true", APP_URL: appUrl },
      () => Date.now() + offsetMs,
    );
    try {
      // A browser that goes to the provider and never comes back: its flow stays behind.
      const returnTo = `${appUrl}/abandoned-${crypto.randomUUID()}`;
      const start = new URL(`${new URL(timed.url).origin}/auth/dev/start`);
      start.searchParams.set("return_to", returnTo);
      expect((await browserGet(new CookieJar(), start)).status).toBe(302);
      const flows = () => timed.prisma.identityFlow.count({ where: { returnTo } });
      // A browser that comes back with a login code and never exchanges it.
      const email = uniqueEmail("abandoned");
      const back = await signInThroughProvider(new CookieJar(), timed.url, "dev", email, appUrl);
      expect(fragment(back).login_code).toEqual(expect.any(String));
      const { id: userId } = await timed.prisma.user.findUniqueOrThrow({ where: { email } });
      const codes = () => timed.prisma.identityTicket.count({ where: { userId, purpose: "LOGIN_CODE" } });
      expect([await flows(), await codes()]).toEqual([1, 1]);

      await deleteEndedSessions(timed.prisma, Date.now() + 30_000, 1000, NINETY_DAYS);
      expect([await flows(), await codes()]).toEqual([1, 1]);
      await deleteEndedSessions(timed.prisma, Date.now() + 2 * 60_000, 1000, NINETY_DAYS);
      expect([await flows(), await codes()]).toEqual([1, 0]);
      offsetMs = 11 * 60_000;
      await waitUntil(async () => (await flows()) === 0, "the periodic cleanup deleted the abandoned flow");
    } finally {
      await timed.stop();
    }
  });
});

describe("the client address behind a proxy (TRUST_PROXY_HOPS=1)", () => {
  const app = useTestServer({ TRUST_PROXY_HOPS: "1" });

  const addressSeenAtLogin = async (forwardedFor: string) => {
    const { user } = await signUp(app.url);
    const login = await graphql(
      app.url,
      LOGIN,
      { input: { email: user.email, password: PASSWORD } },
      { headers: { "x-forwarded-for": forwardedFor } },
    );
    expect(login.errors).toBeUndefined();
    const sessions = sessionsOf(await graphql(app.url, MY_SESSIONS, undefined, { token: login.data!.login.accessToken }));
    return sessions.find((session) => session.current)!.ip;
  };

  test("the address the proxy added is the one stored", async () => {
    expect(await addressSeenAtLogin("198.51.100.7, 203.0.113.9")).toBe("203.0.113.9");
  });

  // The entry is written by whoever is in front: junk must not be stored with the session, nor
  // become the login limiter's key (300 characters overflowed its column: INTERNAL_SERVER_ERROR).
  test.each([
    ["300 characters of junk", "x".repeat(300)],
    ["an address with a port", "203.0.113.9:443"],
    ["a word", "unknown"],
    ["markup", "<script>"],
    ["an IPv6 zone of 300 characters", `fe80::1%${"x".repeat(300)}`],
  ])("an entry that is not an address (%s) gives way to the peer's", async (_name, entry) => {
    expect(await addressSeenAtLogin(entry)).toMatch(/127\.0\.0\.1/);
  });
});
