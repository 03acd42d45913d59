import type { RunningApp } from "../../src/app";
import {
  ConfirmEmailChangeDocument,
  DisableUserDocument,
  EnableUserDocument,
  MySecurityEventsDocument,
  RequestEmailChangeDocument,
  RequestPasswordResetDocument,
  ResetPasswordDocument,
  SecurityEventsDocument,
  SetUserRoleDocument,
  VerifyEmailDocument,
  type SecurityEventFieldsFragment,
} from "../support/generated/graphql";
import {
  CHANGE_PASSWORD,
  DELETE_ACCOUNT,
  graphql,
  LOGIN,
  LOGOUT,
  LOGOUT_ALL,
  ME,
  PASSWORD,
  REFRESH,
  REVOKE_SESSION,
  signUp,
  uniqueEmail,
  type AuthPayload,
  type GraphQLResponse,
} from "../support/graphqlClient";
import { linkToken, startSmtpServer, type TestSmtpServer } from "../support/smtpServer";
import { statementsDuring } from "../support/sqlStatements";
import { startTestServer } from "../support/testServer";

const USER_AGENT = "EventLog/1.0 (test)";
const NEW_PASSWORD = "a brand new passphrase";
const RESET_PASSWORD = "the reset passphrase";

/** A client address per test run, so that counters and lists of other runs never meet this one's. */
const randomAddress = () => `198.18.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;

/** An event as listed, with its edge's cursor, which identifies it. */
type ListedEvent = SecurityEventFieldsFragment & { cursor: string };

/** The events of a connection answer, newest first. */
function eventsOf(response: GraphQLResponse<{ mySecurityEvents?: unknown; securityEvents?: unknown }>): ListedEvent[] {
  const connection = (response.data?.mySecurityEvents ?? response.data?.securityEvents) as
    { edges: Array<{ cursor: string; node: SecurityEventFieldsFragment }> } | undefined;
  if (!connection) throw new Error(`no events: ${response.text}`);
  return connection.edges.map((edge) => ({ ...edge.node, cursor: edge.cursor }));
}

/** An event's detail, parsed: a JSON object in a string, its keys in no particular order. */
const factsOf = (event: SecurityEventFieldsFragment): Record<string, unknown> =>
  event.detail === null ? {} : (JSON.parse(event.detail) as Record<string, unknown>);

/** The code, reason and field of a refused answer. */
const refusal = (response: GraphQLResponse) => {
  const extensions = response.errors?.[0]?.extensions;
  return { code: extensions?.code, reason: extensions?.reason, field: extensions?.field };
};

describe("the security event log", () => {
  let smtp: TestSmtpServer;
  let app: RunningApp;
  let admin: AuthPayload;
  const adminAddress = randomAddress();

  beforeAll(async () => {
    smtp = await startSmtpServer();
    app = await startTestServer({
      SMTP_URL: smtp.url,
      TRUST_PROXY_HOPS: "1",
      MAX_SESSIONS_PER_USER: "2",
      REFRESH_TOKEN_REUSE_INTERVAL: "0",
      LOGIN_MAX_FAILURES_PER_ACCOUNT: "3",
    });
    admin = await signUp(app.url, { name: "Admin" }, { "x-forwarded-for": adminAddress });
    await app.prisma.user.update({ where: { id: admin.user.id }, data: { role: "ADMIN" } });
  });
  afterAll(async () => {
    await app?.stop();
    await smtp?.stop();
  });

  /** Request options from one client: its address and user agent, and a token if given. */
  const from = (address: string, token?: string) => ({ token, headers: { "x-forwarded-for": address, "user-agent": USER_AGENT } });

  async function mine(token: string, first = 100): Promise<ListedEvent[]> {
    return eventsOf(await graphql(app.url, MySecurityEventsDocument, { first }, { token }));
  }

  async function ofUser(userId: string, kind?: string): Promise<ListedEvent[]> {
    return eventsOf(await graphql(app.url, SecurityEventsDocument, { first: 100, userId, kind }, { token: admin.accessToken }));
  }

  test("every kind of credential event is recorded, with its time, client, session and actor", async () => {
    const address = randomAddress();
    const started = Date.now();
    const signup = await signUp(app.url, {}, from(address).headers);
    const { id: userId, email } = signup.user;
    const newestSession = async () => (await app.prisma.session.findFirstOrThrow({ where: { userId }, orderBy: { createdAt: "desc" } })).id;
    const signupSession = await newestSession();
    const logIn = async (password = PASSWORD, as = email) => {
      const answer = await graphql(app.url, LOGIN, { input: { email: as, password } }, from(address));
      return answer.data?.login;
    };

    expect(await logIn("not the password")).toBeUndefined();
    expect(await logIn()).toBeDefined();
    // The third live session is one too many (MAX_SESSIONS_PER_USER=2): the signup's ends.
    const third = (await logIn())!;
    // A spent refresh token presented again (no reuse interval here) ends its session.
    expect((await graphql(app.url, REFRESH, { token: third.refreshToken }, from(address))).errors).toBeUndefined();
    expect(refusal(await graphql(app.url, REFRESH, { token: third.refreshToken }, from(address))).reason).toBe("REFRESH_TOKEN_REUSED");
    const fourth = (await logIn())!;
    const secondSession = (await app.prisma.session.findFirstOrThrow({ where: { userId, revokedAt: null }, orderBy: { createdAt: "asc" } }))
      .id;
    expect((await graphql(app.url, REVOKE_SESSION, { id: secondSession }, from(address, fourth.accessToken))).errors).toBeUndefined();
    expect((await graphql(app.url, LOGOUT, {}, from(address, fourth.accessToken))).errors).toBeUndefined();
    const fifth = (await logIn())!;
    const changeWith = (currentPassword: string) =>
      graphql(app.url, CHANGE_PASSWORD, { input: { currentPassword, newPassword: NEW_PASSWORD } }, from(address, fifth.accessToken));
    expect(refusal(await changeWith("not the password")).reason).toBe("WRONG_PASSWORD");
    const changed = await changeWith(PASSWORD);
    expect(changed.errors).toBeUndefined();
    expect((await graphql(app.url, LOGOUT_ALL, {}, from(address, changed.data!.changePassword.accessToken))).errors).toBeUndefined();

    const verification = linkToken(await smtp.nextMailTo(email));
    expect((await graphql(app.url, VerifyEmailDocument, { token: verification }, from(address))).errors).toBeUndefined();
    await graphql(app.url, RequestPasswordResetDocument, { email }, from(address));
    const resetLink = linkToken(await smtp.nextMailTo(email));
    const reset = await graphql(app.url, ResetPasswordDocument, { token: resetLink, newPassword: RESET_PASSWORD }, from(address));
    expect(reset.errors).toBeUndefined();
    const newEmail = uniqueEmail("moved");
    const afterReset = reset.data!.resetPassword.accessToken;
    const requested = await graphql(
      app.url,
      RequestEmailChangeDocument,
      { newEmail, currentPassword: RESET_PASSWORD },
      from(address, afterReset),
    );
    expect(requested.errors).toBeUndefined();
    const changeLink = linkToken(await smtp.nextMailTo(newEmail));
    expect((await graphql(app.url, ConfirmEmailChangeDocument, { token: changeLink }, from(address))).errors).toBeUndefined();

    const asAdmin = from(adminAddress, admin.accessToken);
    expect((await graphql(app.url, DisableUserDocument, { id: userId }, asAdmin)).errors).toBeUndefined();
    expect((await graphql(app.url, EnableUserDocument, { id: userId }, asAdmin)).errors).toBeUndefined();
    expect((await graphql(app.url, SetUserRoleDocument, { id: userId, role: "ADMIN" }, asAdmin)).errors).toBeUndefined();
    // Doing it again changes nothing, and records nothing.
    expect((await graphql(app.url, SetUserRoleDocument, { id: userId, role: "ADMIN" }, asAdmin)).errors).toBeUndefined();

    const last = (await logIn(RESET_PASSWORD, newEmail))!;
    const lastSession = await newestSession();
    const events = await mine(last.accessToken);
    const byKind = (kind: string) => events.filter((event) => event.kind === kind);
    expect(events.map((event) => event.kind).sort()).toEqual(
      [
        "SIGNUP",
        "LOGIN_FAILED",
        "LOGIN",
        "LOGIN",
        "SESSION_LIMIT",
        "REFRESH_REUSE_DETECTED",
        "LOGIN",
        "SESSION_REVOKED",
        "LOGOUT",
        "LOGIN",
        "LOGIN_FAILED",
        "PASSWORD_CHANGED",
        "LOGOUT_ALL",
        "EMAIL_VERIFIED",
        "PASSWORD_RESET_REQUESTED",
        "PASSWORD_RESET",
        "EMAIL_CHANGE_REQUESTED",
        "EMAIL_CHANGED",
        "ACCOUNT_DISABLED",
        "ACCOUNT_ENABLED",
        "ROLE_CHANGED",
        "LOGIN",
      ].sort(),
    );
    // Newest first, each at its time, and each about this account.
    expect(events.map((event) => Date.parse(event.createdAt))).toEqual(
      events.map((event) => Date.parse(event.createdAt)).sort((a, b) => b - a),
    );
    for (const event of events) {
      expect(event.userId).toBe(userId);
      expect(Date.parse(event.createdAt)).toBeGreaterThanOrEqual(started - 1000);
      expect(Date.parse(event.createdAt)).toBeLessThanOrEqual(Date.now() + 1000);
    }
    // What the user did from their client: their address and user agent, themself as the actor.
    const byUser = events.filter((event) => !["ACCOUNT_DISABLED", "ACCOUNT_ENABLED", "ROLE_CHANGED"].includes(event.kind));
    for (const event of byUser) expect([event.kind, event.ip, event.userAgent]).toEqual([event.kind, address, USER_AGENT]);
    // Nobody signed in: a failed login, a reset request, the holder of a reused refresh token.
    const anonymous = (event: SecurityEventFieldsFragment) =>
      ["REFRESH_REUSE_DETECTED", "PASSWORD_RESET_REQUESTED"].includes(event.kind) || factsOf(event).reason === "WRONG_PASSWORD";
    for (const event of byUser) expect([event.kind, event.actorId]).toEqual([event.kind, anonymous(event) ? null : userId]);

    // Kind by kind: the session and the facts.
    expect(byKind("SIGNUP")[0]).toMatchObject({ sessionId: signupSession, detail: null });
    expect(factsOf(byKind("LOGIN").find((event) => event.sessionId === lastSession)!)).toEqual({ method: "PASSWORD" });
    expect(factsOf(byKind("SESSION_LIMIT")[0]!)).toEqual({ endedSessionIds: [signupSession] });
    expect(byKind("LOGIN_FAILED").map(factsOf)).toEqual(
      expect.arrayContaining([{ reason: "WRONG_PASSWORD" }, { reason: "WRONG_CURRENT_PASSWORD" }]),
    );
    expect(factsOf(byKind("SESSION_REVOKED")[0]!)).toEqual({ revokedSessionId: secondSession });
    expect(factsOf(byKind("EMAIL_CHANGE_REQUESTED")[0]!)).toEqual({ newEmail });
    expect(factsOf(byKind("EMAIL_CHANGED")[0]!)).toEqual({ from: email, to: newEmail });
    // What the admin did: the admin as actor, from the admin's session and client, which admins see
    // and the user does not (the admin's address and session are not the user's to know).
    const adminSession = (await app.prisma.session.findFirstOrThrow({ where: { userId: admin.user.id, revokedAt: null } })).id;
    const asAdminSees = await ofUser(userId);
    for (const kind of ["ACCOUNT_DISABLED", "ACCOUNT_ENABLED", "ROLE_CHANGED"]) {
      const byAdmin = { kind, actorId: admin.user.id };
      expect(asAdminSees.filter((event) => event.kind === kind)).toEqual([
        expect.objectContaining({ ...byAdmin, ip: adminAddress, userAgent: USER_AGENT, sessionId: adminSession }),
      ]);
      expect(byKind(kind)).toEqual([expect.objectContaining({ ...byAdmin, ip: null, userAgent: null, sessionId: null })]);
    }
    expect(factsOf(byKind("ROLE_CHANGED")[0]!)).toEqual({ from: "USER", to: "ADMIN" });

    // Deleting the account deletes its events but one, which admins still find by the account's id.
    expect(
      (await graphql(app.url, DELETE_ACCOUNT, { currentPassword: RESET_PASSWORD }, from(address, last.accessToken))).errors,
    ).toBeUndefined();
    const afterDeletion = await ofUser(userId);
    expect(afterDeletion).toEqual([
      expect.objectContaining({
        kind: "ACCOUNT_DELETED",
        userId,
        actorId: userId,
        sessionId: lastSession,
        ip: address,
        userAgent: USER_AGENT,
      }),
    ]);
    expect(await app.prisma.securityEvent.count({ where: { userId } })).toBe(1);
  });

  test("failed logins are recorded only for an existing account, and only while its failure count is under the limit", async () => {
    const address = randomAddress();
    const { user, accessToken } = await signUp(app.url, {}, from(address).headers);
    const attempt = (email: string) => graphql(app.url, LOGIN, { input: { email, password: "not the password" } }, from(address));
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push(refusal(await attempt(user.email)).reason);
    // LOGIN_MAX_FAILURES_PER_ACCOUNT=3 on this server: three are checked (and recorded), the rest refused unchecked.
    expect(answers).toEqual([...Array<string>(3).fill("INVALID_CREDENTIALS"), ...Array<string>(5).fill("LOGIN_ATTEMPTS")]);
    expect((await mine(accessToken)).filter((event) => event.kind === "LOGIN_FAILED")).toHaveLength(3);

    // An email with no account: refused the same way, and nothing recorded from this address.
    const fromHere = () => app.prisma.securityEvent.count({ where: { ip: address } });
    const before = await fromHere();
    expect(refusal(await attempt(uniqueEmail("nobody"))).reason).toBe("INVALID_CREDENTIALS");
    expect(await fromHere()).toBe(before);
  });

  test("me writes nothing; a login adds one INSERT, also when it ends a session beyond the limit", async () => {
    const address = randomAddress();
    const { user, accessToken } = await signUp(app.url, {}, from(address).headers);
    // Signups mail their verification links after answering: wait until every such write is done, or it is counted below.
    await app.mailIdle();
    await graphql(app.url, ME, {}, { token: accessToken });
    const writes = (statements: string[]) => statements.filter((text) => /^\s*(INSERT|UPDATE|DELETE)\b/i.test(text));
    expect(writes(await statementsDuring(() => graphql(app.url, ME, {}, { token: accessToken })))).toEqual([]);

    let newest = accessToken;
    for (const ending of [false, true]) {
      const statements = await statementsDuring(async () => {
        const login = await graphql(app.url, LOGIN, { input: { email: user.email, password: PASSWORD } }, from(address));
        newest = login.data!.login.accessToken;
      });
      // The second login is the third live session (MAX_SESSIONS_PER_USER=2): LOGIN and SESSION_LIMIT in one statement.
      expect([ending, statements.filter((text) => text.includes('"SecurityEvent"'))]).toEqual([
        ending,
        [expect.stringMatching(/^INSERT INTO/)],
      ]);
    }
    const kinds = (await mine(newest)).map((event) => event.kind);
    expect(kinds.filter((kind) => kind === "SESSION_LIMIT")).toHaveLength(1);
  });

  test("a user reads only their own events, a page at a time; admins filter by account and kind", async () => {
    const address = randomAddress();
    const user = await signUp(app.url, {}, from(address).headers);
    const other = await signUp(app.url, {}, from(address).headers);
    let token = user.accessToken;
    for (let i = 0; i < 3; i++) {
      token = (await graphql(app.url, LOGIN, { input: { email: user.user.email, password: PASSWORD } }, from(address))).data!.login
        .accessToken;
    }
    // Signup and three logins, the last two each ending the oldest session beyond the limit of two.
    const all = await mine(token);
    expect(all.map((event) => event.userId)).toEqual(Array<string>(all.length).fill(user.user.id));
    expect(all).toHaveLength(6);

    const seen: string[] = [];
    let after: string | null | undefined;
    for (;;) {
      const page = await graphql(app.url, MySecurityEventsDocument, { first: 2, after }, { token });
      seen.push(...eventsOf(page).map((event) => event.cursor));
      after = page.data!.mySecurityEvents.pageInfo.endCursor;
      if (!page.data!.mySecurityEvents.pageInfo.hasNextPage) break;
    }
    expect(seen).toEqual(all.map((event) => event.cursor));

    expect((await mine(other.accessToken)).map((event) => event.kind)).toEqual(["SIGNUP"]);
    expect((await ofUser(user.user.id, "LOGIN")).map((event) => event.kind)).toEqual(["LOGIN", "LOGIN", "LOGIN"]);
    const logins = eventsOf(await graphql(app.url, SecurityEventsDocument, { first: 5, kind: "LOGIN" }, { token: admin.accessToken }));
    expect(logins.every((event) => event.kind === "LOGIN")).toBe(true);
    expect(logins.length).toBeGreaterThan(0);

    const ask = (variables: { userId?: string; kind?: string; first?: number; after?: string }) =>
      graphql(app.url, SecurityEventsDocument, variables, { token: admin.accessToken }).then(refusal);
    expect(await ask({ kind: "LOGGED_IN" })).toEqual({ code: "BAD_USER_INPUT", reason: "INVALID", field: "kind" });
    expect(await ask({ userId: "not-a-uuid" })).toEqual({ code: "BAD_USER_INPUT", reason: "INVALID", field: "userId" });
    expect(await ask({ first: 101 })).toEqual({ code: "BAD_USER_INPUT", reason: "INVALID", field: "first" });
    expect(await ask({ after: "bm9wZQ" })).toEqual({ code: "BAD_USER_INPUT", reason: "INVALID", field: "after" });
    expect(refusal(await graphql(app.url, SecurityEventsDocument, { first: 5 }, { token }))).toEqual({
      code: "FORBIDDEN",
      reason: "ADMIN_ONLY",
      field: undefined,
    });
  });

  test("a change whose event cannot be written does not happen", async () => {
    const address = randomAddress();
    const { user, accessToken } = await signUp(app.url, {}, from(address).headers);
    // Make every LOGOUT_ALL event of this user fail to insert, as a full disk or a lost connection would.
    await app.prisma.$executeRawUnsafe(`
      CREATE FUNCTION "refuse_test_event_${user.id.replaceAll("-", "")}"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW."userId" = '${user.id}' AND NEW."kind" = 'LOGOUT_ALL' THEN RAISE EXCEPTION 'no room for this event'; END IF;
        RETURN NEW;
      END $$`);
    await app.prisma.$executeRawUnsafe(`
      CREATE TRIGGER "refuse_test_event_${user.id.replaceAll("-", "")}" BEFORE INSERT ON "SecurityEvent"
      FOR EACH ROW EXECUTE FUNCTION "refuse_test_event_${user.id.replaceAll("-", "")}"()`);
    try {
      expect(refusal(await graphql(app.url, LOGOUT_ALL, {}, from(address, accessToken))).code).toBe("INTERNAL_SERVER_ERROR");
      // The sessions did not end: the change went with its event.
      expect((await graphql(app.url, ME, {}, { token: accessToken })).data?.me.id).toBe(user.id);
      expect(await app.prisma.session.count({ where: { userId: user.id, revokedAt: null } })).toBe(1);
    } finally {
      await app.prisma.$executeRawUnsafe(`DROP TRIGGER "refuse_test_event_${user.id.replaceAll("-", "")}" ON "SecurityEvent"`);
      await app.prisma.$executeRawUnsafe(`DROP FUNCTION "refuse_test_event_${user.id.replaceAll("-", "")}"()`);
    }
    expect((await graphql(app.url, LOGOUT_ALL, {}, from(address, accessToken))).errors).toBeUndefined();
    expect(await app.prisma.securityEvent.count({ where: { userId: user.id, kind: "LOGOUT_ALL" } })).toBe(1);
  });
});
