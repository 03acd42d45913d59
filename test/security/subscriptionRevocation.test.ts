import { listenerApplicationName } from "../../src/auth/authCache/changeListener";
import {
  DisableUserDocument,
  PostPublishedDocument,
  ResetPasswordDocument,
  SessionEventsDocument,
  SetUserRoleDocument,
} from "../support/generated/graphql";
import {
  CHANGE_PASSWORD,
  DELETE_ACCOUNT,
  graphql,
  logIn,
  LOGOUT_ALL,
  PASSWORD,
  REFRESH,
  REVOKE_SESSION,
  sessionIdOf,
  signUp,
  type AuthPayload,
} from "../support/graphqlClient";
import { acknowledgedSocket, primed, subscribe, testClient, type LiveSubscription, type TestClient } from "../support/subscriptionClient";
import { storedResetLink } from "../support/storedLinks";
import { useTestServer } from "../support/testServer";
import { waitUntil } from "../support/waitUntil";

// A socket lives only as long as the session it authenticated with, and its token: whatever ends
// the session closes the socket with 4401, and so does the token's expiry by the server's clock.
describe("a subscription socket closes when its session or token ends", () => {
  // The server's clock, which the expiry test moves forward.
  let offsetMs = 0;
  const server = useTestServer({}, () => Date.now() + offsetMs);
  const clients: TestClient[] = [];
  afterEach(async () => {
    offsetMs = 0;
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
  });

  /** An open socket of the token, with a subscription, once the server has accepted it. */
  async function openSocket(token: () => string): Promise<{ client: TestClient; subscription: LiveSubscription<unknown> }> {
    const client = testClient(server.url, token);
    clients.push(client);
    const subscription = subscribe(client.client, PostPublishedDocument);
    await waitUntil(() => client.connections === 1 || subscription.error !== undefined, "the socket was accepted");
    expect(subscription.error).toBeUndefined();
    return { client, subscription };
  }

  async function expectClosed(subscription: LiveSubscription<unknown>, reason: string) {
    expect(await subscription.failed()).toMatchObject({ code: 4401, reason });
  }

  test("logoutAll closes every socket of the account", async () => {
    const account = await signUp(server.url);
    const other = await logIn(server.url, account.user.email);
    const sockets = await Promise.all([account, account, other].map((session) => openSocket(() => session.accessToken)));
    await graphql(server.url, LOGOUT_ALL, undefined, { token: other.accessToken });
    for (const { subscription } of sockets) await expectClosed(subscription, "session ended");
  });

  test("revokeSession closes that session's sockets, not the caller's", async () => {
    const account = await signUp(server.url);
    const other = await logIn(server.url, account.user.email);
    const revoked = await openSocket(() => other.accessToken);
    const staying = await openSocket(() => account.accessToken);
    await graphql(server.url, REVOKE_SESSION, { id: sessionIdOf(other.accessToken) }, { token: account.accessToken });
    await expectClosed(revoked.subscription, "session ended");
    expect(staying.subscription.error).toBeUndefined();
    expect(staying.client.closes).toEqual([]);
  });

  test("a password change closes the sockets of the old tokens", async () => {
    const account = await signUp(server.url);
    const other = await logIn(server.url, account.user.email);
    const sockets = await Promise.all([account, other].map((session) => openSocket(() => session.accessToken)));
    const input = { currentPassword: PASSWORD, newPassword: "a brand new passphrase" };
    expect((await graphql(server.url, CHANGE_PASSWORD, { input }, { token: account.accessToken })).errors).toBeUndefined();
    for (const { subscription } of sockets) await expectClosed(subscription, "session ended");
  });

  test("a password reset through its mailed link closes every socket of the account", async () => {
    const account = await signUp(server.url);
    const { subscription } = await openSocket(() => account.accessToken);
    const token = await storedResetLink(server.prisma, account.user);
    const reset = await graphql(server.url, ResetPasswordDocument, { token, newPassword: "a brand new passphrase" });
    expect(reset.errors).toBeUndefined();
    await expectClosed(subscription, "session ended");
  });

  test("an admin's disableUser closes the account's sockets; setUserRole closes them too, to check again under the new role", async () => {
    const [disabled, promoted, admin] = await Promise.all([signUp(server.url), signUp(server.url), signUp(server.url)]);
    await server.prisma.user.update({ where: { id: admin.user.id }, data: { role: "ADMIN" } });
    const adminSession = await logIn(server.url, admin.user.email);
    const ofDisabled = await openSocket(() => disabled.accessToken);
    const ofPromoted = await openSocket(() => promoted.accessToken);
    await graphql(server.url, DisableUserDocument, { id: disabled.user.id }, { token: adminSession.accessToken });
    await expectClosed(ofDisabled.subscription, "account disabled");
    await graphql(server.url, SetUserRoleDocument, { id: promoted.user.id, role: "ADMIN" }, { token: adminSession.accessToken });
    await expectClosed(ofPromoted.subscription, "role changed");
    // The session itself lives on: the same token opens a socket again.
    const again = await openSocket(() => promoted.accessToken);
    expect(again.subscription.error).toBeUndefined();
  });

  test("deleting the account closes its sockets", async () => {
    const account = await signUp(server.url);
    const { subscription } = await openSocket(() => account.accessToken);
    await graphql(server.url, DELETE_ACCOUNT, { currentPassword: PASSWORD }, { token: account.accessToken });
    await expectClosed(subscription, "session ended");
  });

  test("an operator's UPDATE in psql ends the session and its sockets too: the database publishes every change", async () => {
    const account = await signUp(server.url);
    const { subscription } = await openSocket(() => account.accessToken);
    await server.prisma
      .$executeRaw`UPDATE "Session" SET "revokedAt" = now(), "revokedReason" = 'REVOKED' WHERE "userId" = ${account.user.id}::uuid`;
    await expectClosed(subscription, "session ended");
  });

  test("a session ended while the listener connection was lost closes its socket once the process listens again", async () => {
    const account = await signUp(server.url);
    const { subscription } = await openSocket(() => account.accessToken);
    const readyz = async () => ((await (await fetch(new URL("/readyz", server.url))).json()) as { authCache: string }).authCache;
    const killed = await server.prisma.$queryRaw<
      unknown[]
    >`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ${listenerApplicationName()}`;
    expect(killed).toHaveLength(1);
    await waitUntil(async () => (await readyz()) === "off", "the listener connection is lost");
    // Nobody in this process hears of this.
    await server.prisma
      .$executeRaw`UPDATE "Session" SET "revokedAt" = now(), "revokedReason" = 'REVOKED' WHERE "userId" = ${account.user.id}::uuid`;
    await waitUntil(async () => (await readyz()) === "on", "the listener is back");
    await expectClosed(subscription, "session ended");
  });

  test("the token's expiry, by the server's clock, closes the socket with 'token expired'; the client reconnects with a fresh token", async () => {
    const account: AuthPayload = await signUp(server.url);
    let current = account.accessToken;
    const client = testClient(server.url, () => current);
    clients.push(client);
    const first = subscribe(client.client, SessionEventsDocument);
    await primed(first, () => logIn(server.url, account.user.email));
    // Sixteen minutes later: past the access token's 15 (ACCESS_TOKEN_TTL), within the refresh token's life.
    offsetMs = 16 * 60_000;
    expect(await first.failed()).toMatchObject({ code: 4401, reason: "token expired" });
    // As an app does on 4401: refresh, then subscribe again; connectionParams, a function, sends the new token.
    const refreshed = await graphql(server.url, REFRESH, { token: account.refreshToken });
    current = refreshed.data!.refreshToken.accessToken;
    const second = subscribe(client.client, SessionEventsDocument);
    await primed(second, () => logIn(server.url, account.user.email));
    expect(client.connections).toBe(2);
    expect(second.error).toBeUndefined();
  });
});

describe("a subscribe that comes after the socket's token expired", () => {
  let offsetMs = 0;
  const server = useTestServer({}, () => Date.now() + offsetMs);

  test("closes the socket with 'token expired' at once, as the expiry sweep would, instead of failing alone", async () => {
    const account = await signUp(server.url);
    const socket = await acknowledgedSocket(server.url, account.accessToken);
    // Past the token's 15 minutes, and a subscribe right away: before the next sweep (every 500 ms), as a
    // rule, so this is what meets the expired token.
    offsetMs = 16 * 60_000;
    socket.send({ id: "1", type: "subscribe", payload: { query: "subscription { sessionEvents { kind } }" } });
    expect(await socket.closed).toEqual({ code: 4401, reason: "token expired" });
    // Not an error for the subscription alone: a client would take that for the end of its session.
    expect(socket.messages.filter((message) => message.type !== "connection_ack")).toEqual([]);
  });
});

describe("the session limit", () => {
  const server = useTestServer({ MAX_SESSIONS_PER_USER: "2" });
  let client: TestClient | undefined;
  afterAll(() => client?.dispose());

  test("a sign-in beyond MAX_SESSIONS_PER_USER ends the oldest session, and closes its socket", async () => {
    const account = await signUp(server.url);
    client = testClient(server.url, () => account.accessToken);
    const oldest = subscribe(client.client, PostPublishedDocument);
    await waitUntil(() => client!.connections === 1, "the socket was accepted");
    // Two sessions, the limit; the third sign-in ends the first.
    await logIn(server.url, account.user.email);
    await logIn(server.url, account.user.email);
    expect(await oldest.failed()).toMatchObject({ code: 4401, reason: "session ended" });
  });
});
