import pg from "pg";
import type { RunningApp } from "../../src/app";
import { graphql, logIn, LOGOUT, signUp, uniqueEmail, type AuthPayload } from "../support/graphqlClient";
import {
  ExchangeLoginCodeDocument,
  MyIdentitiesDocument,
  StartIdentityLinkDocument,
  UnlinkIdentityDocument,
} from "../support/generated/graphql";
import { CookieJar, finishSignIn, fragment, signInThroughProvider } from "../support/identitySignIn";
import { waitUntilBlockedBy } from "../support/lockWaits";
import { TestIdentityProvider } from "../support/testIdentityProvider";
import { startTestServer } from "../support/testServer";

const APP_URL = "http://localhost:5173";
let provider: TestIdentityProvider;
let app: RunningApp;

beforeAll(async () => {
  provider = await TestIdentityProvider.start();
  app = await startTestServer({
    APP_URL,
    OIDC_PROVIDERS: JSON.stringify([provider.settings("trusting", { trustEmailForLinking: true }), provider.settings("wary")]),
  });
  const origin = new URL(app.url).origin;
  await provider.useKeys([`${origin}/auth/trusting/callback`, `${origin}/auth/wary/callback`]);
});
afterAll(async () => {
  await app?.stop();
  await provider?.close();
});

async function signIn(providerId: string, email: string) {
  const jar = new CookieJar();
  const back = fragment(await signInThroughProvider(jar, app.url, providerId, email, APP_URL));
  if (back.login_code === undefined) return { error: back.error };
  const answer = await graphql(
    app.url,
    ExchangeLoginCodeDocument,
    { code: back.login_code },
    { headers: { cookie: jar.header(new URL(app.url))! } },
  );
  expect(answer.errors).toBeUndefined();
  return { payload: answer.data!.exchangeLoginCode };
}

const eventsOf = async (userId: string, kind: string) =>
  (await app.prisma.securityEvent.findMany({ where: { userId, kind }, orderBy: { createdAt: "asc" } })).map((event) => event.detail);

describe("linking: no account is reached through a provider that has not proven it owns it", () => {
  test("a new identity with an unverified email makes an account whose email is not verified", async () => {
    const email = uniqueEmail("unverified-new");
    provider.unverified.add(email);
    const { payload } = await signIn("trusting", email);
    expect(payload?.user).toMatchObject({ email, emailVerified: false });
  });

  test("an existing email links only with email_verified, trustEmailForLinking and the account's own email verified", async () => {
    const owner = await signUp(app.url);
    const email = owner.user.email;
    // Not verified by the account itself yet: even a trusted, verified claim does not link.
    expect(await signIn("trusting", email)).toEqual({ error: "ACCOUNT_EXISTS" });
    await app.prisma.user.update({ where: { id: owner.user.id }, data: { emailVerifiedAt: new Date() } });
    // A provider not trusted for linking, with a verified email: refused.
    expect(await signIn("wary", email)).toEqual({ error: "ACCOUNT_EXISTS" });
    // A trusted provider that says the email is unverified: refused, always.
    provider.unverified.add(email);
    expect(await signIn("trusting", email)).toEqual({ error: "ACCOUNT_EXISTS" });
    expect(await app.prisma.userIdentity.count({ where: { userId: owner.user.id } })).toBe(0);
    provider.unverified.delete(email);
    // All three: it links, and signs in to the owner's account.
    const { payload } = await signIn("trusting", email);
    expect(payload?.user.id).toBe(owner.user.id);
    expect(await eventsOf(owner.user.id, "IDENTITY_LINKED")).toEqual([{ provider: "trusting", email, automatic: true }]);
  });

  test("a provider that gives no email cannot make an account", async () => {
    const email = uniqueEmail("no-email");
    provider.withoutEmail.add(email);
    expect(await signIn("trusting", email)).toEqual({ error: "EMAIL_MISSING" });
  });

  test("an account with a second factor lands at level 1, as after a password", async () => {
    const email = uniqueEmail("factor");
    const { payload } = await signIn("wary", email);
    await app.prisma.secondFactor.create({ data: { userId: payload!.user.id, kind: "TOTP", sealedSecret: "unused", lastUsedStep: 0 } });
    const again = await signIn("wary", email);
    expect(again.payload).toMatchObject({ secondFactorRequired: true });
    const me = await graphql(app.url, MyIdentitiesDocument, {}, { token: again.payload!.accessToken });
    expect(me.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", reason: "SECOND_FACTOR_REQUIRED" });
    expect(await eventsOf(payload!.user.id, "LOGIN")).toEqual([{ method: "wary" }, { method: "wary", secondFactorRequired: true }]);
  });

  test("a disabled account does not sign in through a provider", async () => {
    const email = uniqueEmail("disabled");
    const { payload } = await signIn("wary", email);
    await app.prisma.user.update({ where: { id: payload!.user.id }, data: { disabledAt: new Date() } });
    expect(await signIn("wary", email)).toEqual({ error: "ACCOUNT_DISABLED" });
  });
});

describe("linking while signed in, unlinking, and accounts without a password", () => {
  test("startIdentityLink links another email's identity to the caller; it then signs in there; unlinking records it", async () => {
    const owner = await signUp(app.url);
    const identityEmail = uniqueEmail("linked");
    const started = await graphql(
      app.url,
      StartIdentityLinkDocument,
      { provider: "wary", returnTo: `${APP_URL}/settings` },
      { token: owner.accessToken },
    );
    const url = new URL(started.data!.startIdentityLink);
    expect(url.pathname).toBe("/auth/wary/start");
    url.searchParams.set("login_hint", identityEmail);
    const back = await finishSignIn(new CookieJar(), url, APP_URL);
    expect(back.pathname).toBe("/settings");
    expect(fragment(back)).toEqual({ linked: "wary" });
    // One-time: the same URL again starts nothing.
    expect(fragment(await finishSignIn(new CookieJar(), url, APP_URL))).toEqual({ error: "INVALID_STATE" });

    const me = await graphql(app.url, MyIdentitiesDocument, {}, { token: owner.accessToken });
    expect(me.data?.me.identities).toEqual([
      { provider: "wary", subject: identityEmail, email: identityEmail, linkedAt: expect.any(String) },
    ]);
    const { payload } = await signIn("wary", identityEmail);
    expect(payload?.user.id).toBe(owner.user.id);

    const unlinked = await graphql(app.url, UnlinkIdentityDocument, { provider: "wary" }, { token: owner.accessToken });
    expect(unlinked.data?.unlinkIdentity).toBe(true);
    expect(await eventsOf(owner.user.id, "IDENTITY_UNLINKED")).toEqual([{ provider: "wary", email: identityEmail }]);
    const again = await graphql(app.url, UnlinkIdentityDocument, { provider: "wary" }, { token: owner.accessToken });
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", reason: "NOT_LINKED", field: "provider" });
  });

  test("a link is made only while the session that asked for it lasts: ending it ends its URL, opened or not", async () => {
    const owner = await signUp(app.url);
    const linkUrl = async (session: AuthPayload) => {
      const started = await graphql(app.url, StartIdentityLinkDocument, { provider: "wary" }, { token: session.accessToken });
      const url = new URL(started.data!.startIdentityLink);
      url.searchParams.set("login_hint", uniqueEmail("session-bound"));
      return url;
    };
    const logOut = async (session: AuthPayload) => {
      expect((await graphql(app.url, LOGOUT, {}, { token: session.accessToken })).errors).toBeUndefined();
    };

    // Not opened before its session logged out.
    const first = await linkUrl(owner);
    await logOut(owner);
    expect(fragment(await finishSignIn(new CookieJar(), first, APP_URL))).toEqual({ error: "SESSION_ENDED" });

    // Opened, and its session logged out while the browser was at the provider.
    const second = await logIn(app.url, owner.user.email);
    const atProvider = await linkUrl(second);
    const back = await finishSignIn(new CookieJar(), atProvider, APP_URL, async () => {
      await logOut(second);
      return undefined;
    });
    expect(fragment(back)).toEqual({ error: "SESSION_ENDED" });
    expect(await app.prisma.userIdentity.count({ where: { userId: owner.user.id } })).toBe(0);

    // Another session of the account ending is no concern of this one's link.
    const asking = await logIn(app.url, owner.user.email);
    const other = await logIn(app.url, owner.user.email);
    const third = await linkUrl(asking);
    await logOut(other);
    expect(fragment(await finishSignIn(new CookieJar(), third, APP_URL))).toEqual({ linked: "wary" });
  });

  // The callback has taken its flow and heard from the provider when a credential event takes the
  // user's lock (a connection of the test's own, here) and voids the link as voidPendingLinks does:
  // the callback, waiting for the lock, must not link once the event has committed.
  test("a callback back from the provider when a credential event voids its link does not link after it", async () => {
    const owner = await signUp(app.url);
    const started = await graphql(app.url, StartIdentityLinkDocument, { provider: "wary" }, { token: owner.accessToken });
    const url = new URL(started.data!.startIdentityLink);
    url.searchParams.set("login_hint", uniqueEmail("raced"));
    const event = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await event.connect();
    try {
      const back = finishSignIn(new CookieJar(), url, APP_URL, async () => {
        await event.query("BEGIN");
        await event.query(`SELECT 1 FROM "User" WHERE "id" = $1 FOR UPDATE`, [owner.user.id]);
        return undefined;
      });
      await waitUntilBlockedBy(app.prisma, event);
      await event.query(`DELETE FROM "IdentityTicket" WHERE "userId" = $1 AND "purpose" = 'LINK'`, [owner.user.id]);
      await event.query("COMMIT");
      expect(fragment(await back)).toEqual({ error: "INVALID_STATE" });
      expect(await app.prisma.userIdentity.count({ where: { userId: owner.user.id } })).toBe(0);
    } finally {
      await event.end();
    }
  });

  test("an identity of another account does not link", async () => {
    const email = uniqueEmail("taken-identity");
    await signIn("wary", email);
    const other = await signUp(app.url);
    const started = await graphql(app.url, StartIdentityLinkDocument, { provider: "wary" }, { token: other.accessToken });
    const url = new URL(started.data!.startIdentityLink);
    url.searchParams.set("login_hint", email);
    expect(fragment(await finishSignIn(new CookieJar(), url, APP_URL))).toEqual({ error: "IDENTITY_IN_USE" });
  });

  test("the last way to sign in is not unlinked; a password-less account has no password to change until a reset gives it one", async () => {
    const email = uniqueEmail("passwordless");
    const { payload } = await signIn("wary", email);
    const token = payload!.accessToken;
    const refused = await graphql(app.url, UnlinkIdentityDocument, { provider: "wary" }, { token });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", reason: "LAST_SIGN_IN_METHOD" });
    const change = await graphql(
      app.url,
      'mutation { changePassword(input: { currentPassword: "anything-at-all", newPassword: "a new password here" }) { accessToken } }',
      {},
      { token },
    );
    expect(change.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", reason: "NO_PASSWORD", field: "currentPassword" });
    const login = await graphql(
      app.url,
      'mutation ($email: String!) { login(input: { email: $email, password: "anything-at-all" }) { accessToken } }',
      { email },
    );
    expect(login.errors?.[0]?.extensions).toMatchObject({ code: "UNAUTHENTICATED", reason: "INVALID_CREDENTIALS" });
    const reset = await graphql(app.url, "mutation ($email: String!) { requestPasswordReset(email: $email) }", { email });
    expect(reset.data).toEqual({ requestPasswordReset: true });
  });
});
