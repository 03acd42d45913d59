import { passwordProven } from "../../src/auth/sessions/assurance";
import crypto from "node:crypto";
import pg from "pg";
import { AccountDeletion } from "../../src/auth/accounts/accountDeletion";
import { CurrentPasswordCheck } from "../../src/auth/passwords/currentPasswordCheck";
import { KnownLoginAddresses } from "../../src/auth/limits/knownLoginAddresses";
import { LoginRateLimiter } from "../../src/auth/limits/loginRateLimiter";
import { PasswordHasher } from "../../src/auth/passwords/hashing";
import { createDatabasePool } from "../../src/db/prismaClient";
import { createLogger } from "../../src/logger";
import { CreatePostDocument } from "../support/generated/graphql";
import {
  DELETE_ACCOUNT,
  graphql,
  LOGIN,
  logIn,
  LOGOUT_ALL,
  ME,
  PASSWORD,
  REFRESH,
  REVOKE_SESSION,
  signUp,
  type AuthPayload,
  type GraphQLResponse,
} from "../support/graphqlClient";
import { waitUntilBlockedBy } from "../support/lockWaits";
import { useTestServer } from "../support/testServer";
import { waitUntil } from "../support/waitUntil";

/** The refresh_token cookie a response sets, as a browser would store it. */
function refreshCookie(headers: Headers): string | undefined {
  return headers
    .getSetCookie()
    .find((cookie) => cookie.startsWith("refresh_token="))
    ?.split("; ")[0]!
    .slice("refresh_token=".length);
}

describe("deleteAccount", () => {
  const app = useTestServer();

  const me = (token: string) => graphql(app.url, ME, undefined, { token });
  const refresh = (token: string) => graphql(app.url, REFRESH, { token });
  const deleteAccount = (account: AuthPayload, currentPassword = PASSWORD, headers: Record<string, string> = {}) =>
    graphql(app.url, DELETE_ACCOUNT, { currentPassword }, { token: account.accessToken, headers });
  const reasonOf = (response: GraphQLResponse) => response.errors?.[0]?.extensions;

  /** Every row in every table that refers to the user, by the user's id or by their sessions' ids. */
  async function rowsOf(userId: string, email: string) {
    const { prisma } = app;
    const sessions = await prisma.session.findMany({ where: { userId }, select: { id: true } });
    return {
      usersById: await prisma.user.count({ where: { id: userId } }),
      usersByEmail: await prisma.user.count({ where: { email } }),
      sessions: sessions.length,
      refreshTokens: await prisma.refreshToken.count({ where: { session: { userId } } }),
      knownLoginAddresses: await prisma.knownLoginAddress.count({ where: { userId } }),
      posts: await prisma.post.count({ where: { authorId: userId } }),
      emailTokens: await prisma.emailToken.count({ where: { userId } }),
    };
  }

  /** Signup mails its verification link just after answering: waits until the link's token is stored. */
  const verificationMailed = (userId: string) =>
    waitUntil(async () => (await app.prisma.emailToken.count({ where: { userId } })) > 0, "the verification token is stored");

  test("removes the user and every row of theirs, in every table, and nothing of anyone else", async () => {
    const account = await signUp(app.url);
    const phone = await logIn(app.url, account.user.email);
    // A rotation leaves a spent token and its successor.
    expect((await refresh(phone.refreshToken)).errors).toBeUndefined();
    for (const title of ["Draft", "Published"]) {
      const created = await graphql(app.url, CreatePostDocument, { input: { title, body: "Body" } }, { token: account.accessToken });
      expect(created.errors).toBeUndefined();
    }
    const stranger = await signUp(app.url);
    await graphql(app.url, CreatePostDocument, { input: { title: "Theirs", body: "Body" } }, { token: stranger.accessToken });
    const refreshTokenIds = (
      await app.prisma.refreshToken.findMany({ where: { session: { userId: account.user.id } }, select: { id: true } })
    ).map((token) => token.id);
    await verificationMailed(account.user.id);
    await verificationMailed(stranger.user.id);
    expect(await rowsOf(account.user.id, account.user.email)).toEqual({
      usersById: 1,
      usersByEmail: 1,
      sessions: 2,
      refreshTokens: 3,
      knownLoginAddresses: 1,
      posts: 2,
      emailTokens: 1,
    });
    const strangersRows = await rowsOf(stranger.user.id, stranger.user.email);

    const response = await deleteAccount(account);
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ deleteAccount: true });

    expect(await rowsOf(account.user.id, account.user.email)).toEqual({
      usersById: 0,
      usersByEmail: 0,
      sessions: 0,
      refreshTokens: 0,
      knownLoginAddresses: 0,
      posts: 0,
      emailTokens: 0,
    });
    // Refresh tokens also looked up by their own ids, in case one had lost its session.
    expect(await app.prisma.refreshToken.count({ where: { id: { in: refreshTokenIds } } })).toBe(0);
    expect(await rowsOf(stranger.user.id, stranger.user.email)).toEqual(strangersRows);
    expect((await me(stranger.accessToken)).data!.me.id).toBe(stranger.user.id);
  });

  test("every access token and refresh token of the account stops working at once", async () => {
    const account = await signUp(app.url);
    const laptop = await logIn(app.url, account.user.email);
    // Asked twice, so this process holds the session and the user in its auth cache.
    for (const token of [account.accessToken, laptop.accessToken, account.accessToken]) expect((await me(token)).errors).toBeUndefined();

    expect((await deleteAccount(laptop)).data).toEqual({ deleteAccount: true });

    for (const token of [account.accessToken, laptop.accessToken]) {
      expect(reasonOf(await me(token))).toEqual({ code: "UNAUTHENTICATED", reason: "SESSION_ENDED" });
    }
    for (const token of [account.refreshToken, laptop.refreshToken]) {
      expect(reasonOf(await refresh(token))).toEqual({ code: "UNAUTHENTICATED", reason: "REFRESH_TOKEN_INVALID" });
    }
  });

  test("in a browser: the answer clears the refresh-token cookie, and the cookie's token is dead", async () => {
    const { user } = await signUp(app.url);
    const login = await graphql(app.url, LOGIN, { input: { email: user.email, password: PASSWORD }, delivery: "COOKIE" });
    const cookie = refreshCookie(login.headers)!;
    expect(cookie).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const response = await graphql(
      app.url,
      DELETE_ACCOUNT,
      { currentPassword: PASSWORD },
      { token: login.data!.login.accessToken, headers: { cookie: `refresh_token=${cookie}` } },
    );
    expect(response.data).toEqual({ deleteAccount: true });
    expect(refreshCookie(response.headers)).toBe("");
    const afterDeletion = await graphql(app.url, REFRESH, {}, { headers: { cookie: `refresh_token=${cookie}` } });
    expect(reasonOf(afterDeletion)).toEqual({ code: "UNAUTHENTICATED", reason: "REFRESH_TOKEN_INVALID" });
  });

  test("the email is free again: signing up with it makes a new, empty account", async () => {
    const account = await signUp(app.url);
    await graphql(app.url, CreatePostDocument, { input: { title: "Old", body: "Body" } }, { token: account.accessToken });
    expect((await deleteAccount(account)).data).toEqual({ deleteAccount: true });

    const again = await signUp(app.url, { email: account.user.email, password: "a different passphrase" });
    expect(again.user.id).not.toBe(account.user.id);
    expect(await rowsOf(again.user.id, again.user.email)).toMatchObject({ usersByEmail: 1, sessions: 1, posts: 0 });
    // The old tokens do not reach the new account.
    expect(reasonOf(await me(account.accessToken))).toEqual({ code: "UNAUTHENTICATED", reason: "SESSION_ENDED" });
    expect((await me(again.accessToken)).data!.me.id).toBe(again.user.id);
  });

  test("a wrong current password is WRONG_PASSWORD at currentPassword, and deletes nothing", async () => {
    const account = await signUp(app.url);
    const response = await deleteAccount(account, "not the password");
    expect(response.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", reason: "WRONG_PASSWORD", field: "currentPassword" });
    expect(response.data).toBeNull();
    expect(await rowsOf(account.user.id, account.user.email)).toMatchObject({ usersById: 1, sessions: 1, refreshTokens: 1 });
    expect((await me(account.accessToken)).data!.me.id).toBe(account.user.id);
  });

  test("a password over 72 bytes is refused as input before any check", async () => {
    const account = await signUp(app.url);
    const response = await deleteAccount(account, "é".repeat(37));
    expect(response.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", reason: "INVALID", field: "currentPassword" });
    expect(await rowsOf(account.user.id, account.user.email)).toMatchObject({ usersById: 1 });
  });

  test("without a token it is NOT_AUTHENTICATED", async () => {
    const response = await graphql(app.url, DELETE_ACCOUNT, { currentPassword: PASSWORD });
    expect(reasonOf(response)).toEqual({ code: "UNAUTHENTICATED", reason: "NOT_AUTHENTICATED" });
  });

  test("the same deletion sent twice at once deletes once; the other is SESSION_ENDED", async () => {
    const account = await signUp(app.url);
    const answers = await Promise.all([deleteAccount(account), deleteAccount(account)]);
    const outcomes = answers.map((answer) => (answer.data?.deleteAccount ? "deleted" : answer.errors?.[0]?.extensions?.reason));
    expect(outcomes.sort()).toEqual(["SESSION_ENDED", "deleted"]);
  });

  // A refresh locks its token, then writes a successor and its session. Here one is held in
  // flight at that point, on a connection of the test's own, while the deletion starts: a deletion
  // that locked the sessions before their tokens (as the plain cascade from the user row does)
  // would deadlock with it, and PostgreSQL would abort one of the two.
  test("a refresh in flight neither deadlocks with the deletion nor leaves its successor behind", async () => {
    const account = await signUp(app.url);
    const presented = await app.prisma.refreshToken.findFirstOrThrow({ where: { session: { userId: account.user.id } } });
    const refreshInFlight = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await refreshInFlight.connect();
    try {
      await refreshInFlight.query("BEGIN");
      await refreshInFlight.query(`SELECT 1 FROM "RefreshToken" WHERE "id" = $1 FOR UPDATE`, [presented.id]);
      const deletion = deleteAccount(account);
      await waitUntilBlockedBy(app.prisma, refreshInFlight);
      // The rest of the rotation: the successor, the spent token, the session.
      await refreshInFlight.query(
        `INSERT INTO "RefreshToken" ("id", "sessionId", "tokenHash", "expiresAt") VALUES (gen_random_uuid(), $1, $2, now() + interval '1 day')`,
        [presented.sessionId, crypto.randomUUID()],
      );
      await refreshInFlight.query(`UPDATE "RefreshToken" SET "spentAt" = now() WHERE "id" = $1`, [presented.id]);
      await refreshInFlight.query(`UPDATE "Session" SET "lastUsedAt" = now() WHERE "id" = $1`, [presented.sessionId]);
      await refreshInFlight.query("COMMIT");

      expect((await deletion).data).toEqual({ deleteAccount: true });
      expect(await rowsOf(account.user.id, account.user.email)).toMatchObject({ usersById: 0, sessions: 0, refreshTokens: 0 });
      expect(await app.prisma.refreshToken.count({ where: { sessionId: presented.sessionId } })).toBe(0);
    } finally {
      await refreshInFlight.end();
    }
  });

  test("a login whose password was checked just before the account was deleted is refused like an unknown email", async () => {
    const account = await signUp(app.url);
    const deleter = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await deleter.connect();
    try {
      // Hold the user row, so the login stops at its lock after checking the password.
      await deleter.query("BEGIN");
      await deleter.query(`SELECT 1 FROM "User" WHERE "id" = $1 FOR UPDATE`, [account.user.id]);
      const login = graphql(app.url, LOGIN, { input: { email: account.user.email, password: PASSWORD } });
      await waitUntilBlockedBy(app.prisma, deleter);
      await deleter.query(`DELETE FROM "User" WHERE "id" = $1`, [account.user.id]);
      await deleter.query("COMMIT");

      const answer = await login;
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: "UNAUTHENTICATED", reason: "INVALID_CREDENTIALS" });
      expect(await app.prisma.session.count({ where: { userId: account.user.id } })).toBe(0);
    } finally {
      await deleter.end();
    }
  });

  // The request is authenticated before the password is checked; what ends the session meanwhile
  // must stop the deletion. The caller is taken as it was before, as a request in flight holds it,
  // and handed to the service directly.
  test.each([
    [
      "logoutAll from another device (the token version moves on)",
      (phone: AuthPayload) => graphql(app.url, LOGOUT_ALL, undefined, { token: phone.accessToken }),
    ],
    [
      "revokeSession from another device (only this session ends)",
      (phone: AuthPayload, sessionId: string) => graphql(app.url, REVOKE_SESSION, { id: sessionId }, { token: phone.accessToken }),
    ],
  ])("a deletion whose session ended after it was authenticated is refused, and deletes nothing: %s", async (_name, endSession) => {
    const pool = createDatabasePool(
      process.env.TEST_DATABASE_URL!,
      { poolSize: 2, statementTimeoutSeconds: 5, connectTimeoutSeconds: 5 },
      createLogger("silent"),
    );
    try {
      const knownAddresses = new KnownLoginAddresses(app.prisma, 3600, Date.now);
      const limits = { maxFailuresPerAccount: 100, maxFailuresPerIp: 100_000, windowSeconds: 60, knownAddressTtlSeconds: 3600 };
      const deletion = new AccountDeletion({
        prisma: app.prisma,
        currentPassword: new CurrentPasswordCheck(
          app.prisma,
          new PasswordHasher(4),
          new LoginRateLimiter(pool, limits, knownAddresses),
          Date.now,
        ),
        now: Date.now,
      });
      const account = await signUp(app.url);
      const authenticated = {
        user: await app.prisma.user.findUniqueOrThrow({ where: { id: account.user.id } }),
        sessionId: (await app.prisma.session.findFirstOrThrow({ where: { userId: account.user.id } })).id,
        assurance: passwordProven(Date.now()),
        hasSecondFactor: false,
      };
      const phone = await logIn(app.url, account.user.email);
      const ended = await endSession(phone, authenticated.sessionId);
      expect(ended.errors).toBeUndefined();

      await expect(deletion.deleteAccount(authenticated, PASSWORD, { ip: "192.0.2.1", userAgent: null })).rejects.toMatchObject({
        reason: "SESSION_ENDED",
      });
      expect(await rowsOf(account.user.id, account.user.email)).toMatchObject({ usersById: 1, sessions: 2 });
    } finally {
      await pool.end();
    }
  });
});
