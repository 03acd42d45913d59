import jwt from "jsonwebtoken";
import {
  DeletePasskeyDocument,
  FinishPasskeyRegistrationDocument,
  LoginTwoStepDocument,
  MyPasskeysDocument,
  MySecurityEventsDocument,
  RemoveUserSecondFactorDocument,
  RenamePasskeyDocument,
  SecurityEventsDocument,
  StartPasskeyLoginDocument,
  StartPasskeyRegistrationDocument,
  StartPasskeyVerificationDocument,
  VerifyPasskeyDocument,
  VerifySecondFactorDocument,
} from "../support/generated/graphql";
import { graphql, ME, PASSWORD, signUp, type GraphQLResponse } from "../support/graphqlClient";
import { finishLogin, passkeyLogin, registerPasskey, startLogin } from "../support/passkeys";
import { enrollTotp } from "../support/secondFactor";
import { startSmtpServer, type TestSmtpServer } from "../support/smtpServer";
import { SoftwareAuthenticator } from "../support/softwareAuthenticator";
import { storedResetLink } from "../support/storedLinks";
import { useTestServer } from "../support/testServer";
import { waitUntil } from "../support/waitUntil";

// Passkeys as a browser with a platform authenticator meets them. The authenticator is software
// (test/support/softwareAuthenticator.ts): real keys, CBOR and signatures, checked by the real
// server. The relying party is the default one: APP_URL's host and origin.
const ORIGIN = "http://localhost:4000";
const claimsOf = (token: string) => jwt.decode(token) as jwt.JwtPayload;
const errorOf = (response: GraphQLResponse) => response.errors?.[0]?.extensions;

async function kindsOf(url: string, token: string): Promise<string[]> {
  const events = await graphql(url, MySecurityEventsDocument, { first: 50 }, { token });
  return events.data!.mySecurityEvents.edges.map((edge) => edge.node.kind);
}

let smtp: TestSmtpServer;
beforeAll(async () => {
  smtp = await startSmtpServer();
});
afterAll(() => smtp.stop());

describe("registering a passkey", () => {
  // Read when the server starts, after the SMTP server has.
  const app = useTestServer({
    get SMTP_URL() {
      return smtp.url;
    },
  });

  test("the options offer ES256 and RS256, prefer a resident key and user verification, and exclude the account's passkeys", async () => {
    const account = await signUp(app.url);
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    const first = await graphql(app.url, StartPasskeyRegistrationDocument, {}, { token: account.accessToken });
    expect(first.data!.startPasskeyRegistration).toMatchObject({
      rp: { id: "localhost", name: "GraphQL Auth API" },
      user: { name: account.user.email, displayName: "Test User" },
      pubKeyCredParams: [
        { alg: -7, type: "public-key" },
        { alg: -257, type: "public-key" },
      ],
      authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" },
      attestation: "none",
      excludeCredentials: [],
    });

    const passkey = await registerPasskey(app.url, account.accessToken, authenticator, "My laptop");
    expect(passkey).toMatchObject({ name: "My laptop", lastUsedAt: null });
    const second = await graphql(app.url, StartPasskeyRegistrationDocument, {}, { token: account.accessToken });
    expect(second.data!.startPasskeyRegistration.excludeCredentials).toEqual([
      { id: authenticator.credentialIds[0], type: "public-key", transports: ["internal"] },
    ]);
    const mine = await graphql(app.url, MyPasskeysDocument, {}, { token: account.accessToken });
    expect(mine.data!.me.passkeys).toEqual([passkey]);
    expect(await kindsOf(app.url, account.accessToken)).toContain("PASSKEY_ADDED");
    expect((await smtp.nextMailTo(account.user.email)).subject).toBe("Verify your email address");
    const notice = await smtp.nextMailTo(account.user.email);
    expect(notice.subject).toBe("A passkey was added to your account");
  });

  test("a response is refused with its reason: wrong origin, wrong RP ID, replayed, another session's challenge, malformed", async () => {
    const account = await signUp(app.url);
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    const start = async (token = account.accessToken) =>
      (await graphql(app.url, StartPasskeyRegistrationDocument, {}, { token })).data!.startPasskeyRegistration;
    const finish = (response: unknown, token = account.accessToken) =>
      graphql(app.url, FinishPasskeyRegistrationDocument, { response: response as Record<string, unknown> }, { token });

    expect(errorOf(await finish(authenticator.create(await start(), { origin: "https://evil.example" })))).toEqual({
      code: "BAD_USER_INPUT",
      field: "response",
      reason: "WRONG_ORIGIN",
    });
    expect(errorOf(await finish(authenticator.create(await start(), { rpId: "evil.example" })))).toMatchObject({ reason: "WRONG_RP_ID" });
    const honest = authenticator.create(await start());
    expect((await finish(honest)).errors).toBeUndefined();
    expect(errorOf(await finish(honest))).toMatchObject({ code: "BAD_USER_INPUT", reason: "CHALLENGE_INVALID" });
    // Another session of the same account cannot finish what this one started.
    const other = await signUp(app.url);
    expect(errorOf(await finish(authenticator.create(await start()), other.accessToken))).toMatchObject({ reason: "CHALLENGE_INVALID" });
    const malformedResponses = [
      "text",
      42,
      [],
      {},
      { id: "abc", rawId: "abc", type: "public-key" },
      { ...honest, response: { clientDataJSON: "!!", attestationObject: "AA" } },
      { ...honest, response: { clientDataJSON: "e30", attestationObject: "oA" } },
    ];
    for (const malformed of malformedResponses) {
      const refused = await finish(malformed);
      expect(refused.status).toBe(200);
      expect(errorOf(refused)).toMatchObject({ code: "BAD_USER_INPUT", field: "response", reason: "MALFORMED_RESPONSE" });
    }
  });

  test("a passkey registered to one account cannot be registered to another", async () => {
    const ada = await signUp(app.url);
    const eve = await signUp(app.url);
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    await registerPasskey(app.url, ada.accessToken, authenticator);
    const started = await graphql(app.url, StartPasskeyRegistrationDocument, {}, { token: eve.accessToken });
    const response = authenticator.create(started.data!.startPasskeyRegistration, { credentialId: authenticator.credentialIds[0] });
    const refused = await graphql(app.url, FinishPasskeyRegistrationDocument, { response }, { token: eve.accessToken });
    expect(errorOf(refused)).toMatchObject({ code: "BAD_USER_INPUT", reason: "PASSKEY_ALREADY_REGISTERED" });
  });
});

describe("signing in with a passkey", () => {
  let offsetMs = 0;
  const app = useTestServer({}, () => Date.now() + offsetMs);

  test("a passkey with user verification opens a level-2 session (amr hwk + user) without a password", async () => {
    const account = await signUp(app.url);
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    const passkey = await registerPasskey(app.url, account.accessToken, authenticator);
    // Discoverable: no email, the authenticator picks the passkey.
    const { options, setCookie } = await startLogin(app.url);
    expect(options).toMatchObject({ rpId: "localhost", userVerification: "preferred" });
    expect(options.allowCredentials).toBeUndefined();
    expect(setCookie).toMatch(/^passkey_login=[\w-]{43}; Max-Age=300; Path=\/graphql; HttpOnly; Secure; SameSite=Strict$/);
    const signedIn = await passkeyLogin(app.url, authenticator);
    const payload = signedIn.data!.finishPasskeyLogin;
    expect(payload).toMatchObject({ secondFactorRequired: false, user: { id: account.user.id, email: account.user.email } });
    expect(claimsOf(payload.accessToken).amr).toEqual(["hwk", "user"]);
    expect(signedIn.headers.get("set-cookie")).toMatch(/^passkey_login=; Max-Age=0/);
    expect((await graphql(app.url, ME, undefined, { token: payload.accessToken })).errors).toBeUndefined();
    const mine = await graphql(app.url, MyPasskeysDocument, {}, { token: payload.accessToken });
    expect(mine.data!.me.passkeys![0]).toMatchObject({ id: passkey.id, lastUsedAt: expect.any(String) });
    expect(await kindsOf(app.url, payload.accessToken)).toEqual(expect.arrayContaining(["LOGIN", "PASSKEY_USED"]));
  });

  test("a synced passkey proves swk; one without user verification is a single factor, and a TOTP account asks for the code", async () => {
    const account = await signUp(app.url);
    const synced = new SoftwareAuthenticator({ origin: ORIGIN, synced: true });
    await registerPasskey(app.url, account.accessToken, synced);
    const login = (await passkeyLogin(app.url, synced)).data!.finishPasskeyLogin;
    expect(claimsOf(login.accessToken).amr).toEqual(["swk", "user"]);

    const securityKey = new SoftwareAuthenticator({ origin: ORIGIN, userVerification: false });
    await registerPasskey(app.url, account.accessToken, securityKey);
    await enrollTotp(app.url, account.accessToken);
    const presenceOnly = (await passkeyLogin(app.url, securityKey, account.user.email)).data!.finishPasskeyLogin;
    expect(claimsOf(presenceOnly.accessToken).amr).toEqual(["hwk"]);
    expect(presenceOnly.secondFactorRequired).toBe(true);
    expect(errorOf(await graphql(app.url, ME, undefined, { token: presenceOnly.accessToken }))).toMatchObject({
      reason: "SECOND_FACTOR_REQUIRED",
    });
    // With user verification, the TOTP account is not asked for a code.
    const verified = (await passkeyLogin(app.url, synced, account.user.email)).data!.finishPasskeyLogin;
    expect(verified.secondFactorRequired).toBe(false);
    expect((await graphql(app.url, ME, undefined, { token: verified.accessToken })).errors).toBeUndefined();
  });

  test("with an email, the options list that account's passkeys; an unknown email gets a stand-in of the same shape", async () => {
    const account = await signUp(app.url);
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    await registerPasskey(app.url, account.accessToken, authenticator);
    const known = (await startLogin(app.url, account.user.email)).options as { allowCredentials: Array<{ id: string }> };
    expect(known.allowCredentials.map((entry) => entry.id)).toEqual(authenticator.credentialIds);
    const unknown = (await startLogin(app.url, "nobody-here@example.com")).options as { allowCredentials: Array<{ id: string }> };
    expect(unknown.allowCredentials).toHaveLength(1);
    expect(unknown.allowCredentials[0]!.id).toMatch(/^[\w-]{43}$/);
    expect((await startLogin(app.url, "nobody-here@example.com")).options).toMatchObject({ allowCredentials: unknown.allowCredentials });
    const badEmail = await graphql(app.url, StartPasskeyLoginDocument, { email: "not an email" });
    expect(errorOf(badEmail)).toMatchObject({ code: "BAD_USER_INPUT", field: "email" });
  });

  test("unknown credential, another account's credential, wrong origin, wrong RP ID: each refused with its reason", async () => {
    const ada = await signUp(app.url);
    const eve = await signUp(app.url);
    const adas = new SoftwareAuthenticator({ origin: ORIGIN });
    await registerPasskey(app.url, ada.accessToken, adas);

    // A passkey this server never registered (made for the same site and user).
    const stranger = new SoftwareAuthenticator({ origin: ORIGIN });
    stranger.create({ challenge: "AAAA", rp: { id: "localhost" }, user: { id: Buffer.from(ada.user.id).toString("base64url") } });
    expect(errorOf(await passkeyLogin(app.url, stranger))).toEqual({ code: "UNAUTHENTICATED", reason: "PASSKEY_UNKNOWN" });
    // Ada's passkey, offered for Eve's email.
    const { options, cookie } = await startLogin(app.url, eve.user.email);
    const asEve = await finishLogin(app.url, adas.get(options, { credentialId: adas.credentialIds[0] }), cookie);
    expect(errorOf(asEve)).toEqual({ code: "UNAUTHENTICATED", reason: "PASSKEY_UNKNOWN" });

    expect(errorOf(await passkeyLogin(app.url, adas, undefined, { origin: "https://login.evil.example" }))).toMatchObject({
      code: "BAD_USER_INPUT",
      reason: "WRONG_ORIGIN",
    });
    expect(errorOf(await passkeyLogin(app.url, adas, undefined, { rpId: "evil.example" }))).toMatchObject({ reason: "WRONG_RP_ID" });
    expect(errorOf(await passkeyLogin(app.url, adas, undefined, { breakSignature: true }))).toEqual({
      code: "UNAUTHENTICATED",
      reason: "PASSKEY_REFUSED",
    });
    // None of it signed anyone in; the honest passkey still does.
    expect((await passkeyLogin(app.url, adas)).data!.finishPasskeyLogin.user.id).toBe(ada.user.id);
    expect(await kindsOf(app.url, ada.accessToken)).toContain("PASSKEY_REFUSED");
  });

  test("a challenge works once, only from the browser that asked for it, for five minutes", async () => {
    const account = await signUp(app.url);
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    await registerPasskey(app.url, account.accessToken, authenticator);
    const { options, cookie } = await startLogin(app.url);
    const response = authenticator.get(options);
    // Another browser (no cookie, or its own) cannot redeem it.
    expect(errorOf(await finishLogin(app.url, response, undefined))).toMatchObject({ code: "BAD_USER_INPUT", reason: "CHALLENGE_INVALID" });
    const elsewhere = await startLogin(app.url);
    expect(errorOf(await finishLogin(app.url, response, elsewhere.cookie))).toMatchObject({ reason: "CHALLENGE_INVALID" });
    expect((await finishLogin(app.url, response, cookie)).errors).toBeUndefined();
    // Replayed, with the same cookie: spent.
    expect(errorOf(await finishLogin(app.url, response, cookie))).toMatchObject({ reason: "CHALLENGE_INVALID" });
    // A login response is no registration's, and a registration's challenge no login's.
    const registration = await graphql(app.url, StartPasskeyRegistrationDocument, {}, { token: account.accessToken });
    const forged = authenticator.get({ ...(registration.data!.startPasskeyRegistration as object), rpId: "localhost" });
    expect(errorOf(await finishLogin(app.url, forged, cookie))).toMatchObject({ reason: "CHALLENGE_INVALID" });
    // Five minutes later, an unused one has expired.
    const late = await startLogin(app.url);
    offsetMs = 301_000;
    try {
      expect(errorOf(await finishLogin(app.url, authenticator.get(late.options), late.cookie))).toMatchObject({
        reason: "CHALLENGE_INVALID",
      });
    } finally {
      offsetMs = 0;
    }
  });

  test("a signature counter that goes backwards is refused and recorded; one that stays at 0 is fine", async () => {
    const account = await signUp(app.url);
    const counting = new SoftwareAuthenticator({ origin: ORIGIN });
    await registerPasskey(app.url, account.accessToken, counting);
    expect((await passkeyLogin(app.url, counting)).errors).toBeUndefined();
    expect((await passkeyLogin(app.url, counting)).errors).toBeUndefined();
    // A copy of the key that signs with an older count.
    const cloned = await passkeyLogin(app.url, counting, undefined, { counter: 1 });
    expect(errorOf(cloned)).toEqual({ code: "UNAUTHENTICATED", reason: "PASSKEY_COUNTER_REGRESSED" });
    const events = await graphql(app.url, MySecurityEventsDocument, { first: 5 }, { token: account.accessToken });
    const refusal = events.data!.mySecurityEvents.edges.find((edge) => edge.node.kind === "PASSKEY_REFUSED")!.node;
    expect(JSON.parse(refusal.detail!)).toMatchObject({ reason: "COUNTER_REGRESSED" });

    const zero = new SoftwareAuthenticator({ origin: ORIGIN, zeroCounter: true });
    await registerPasskey(app.url, account.accessToken, zero);
    expect((await passkeyLogin(app.url, zero)).errors).toBeUndefined();
    expect((await passkeyLogin(app.url, zero)).errors).toBeUndefined();
  });

  test("malformed responses are BAD_USER_INPUT, never a server error", async () => {
    const { cookie } = await startLogin(app.url);
    const bodies: unknown[] = [
      "x",
      { id: "a", rawId: "b", type: "public-key", response: {} },
      { id: "abc", rawId: "abc", type: "public-key", response: { clientDataJSON: "abc", authenticatorData: "abc", signature: "abc" } },
      {
        id: "abc",
        rawId: "abc",
        type: "public-key",
        response: { clientDataJSON: "e30", authenticatorData: "AAAA", signature: "AA", userHandle: 5 },
      },
    ];
    for (const body of bodies) {
      const refused = await finishLogin(app.url, body, cookie);
      expect(refused.status).toBe(200);
      expect(errorOf(refused)).toMatchObject({ code: "BAD_USER_INPUT", field: "response", reason: "MALFORMED_RESPONSE" });
    }
  });

  test("a password login of an account with a passkey is unchanged", async () => {
    const account = await signUp(app.url);
    await registerPasskey(app.url, account.accessToken, new SoftwareAuthenticator({ origin: ORIGIN }));
    const login = await graphql(app.url, LoginTwoStepDocument, { input: { email: account.user.email, password: PASSWORD } });
    expect(login.data!.login.secondFactorRequired).toBe(false);
  });
});

describe("passkey login limits", () => {
  const app = useTestServer({ TRUST_PROXY_HOPS: "1", LOGIN_MAX_FAILURES_PER_IP: "3" });

  test("failed passkey logins count per client address; successes give their point back", async () => {
    const account = await signUp(app.url);
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    await registerPasskey(app.url, account.accessToken, authenticator);
    const from = { "x-forwarded-for": "203.0.113.77" };
    for (let i = 0; i < 5; i += 1) {
      const { options, cookie } = await startLogin(app.url);
      expect((await finishLogin(app.url, authenticator.get(options), cookie, from)).errors).toBeUndefined();
    }
    for (let i = 0; i < 3; i += 1) {
      const { options, cookie } = await startLogin(app.url);
      expect(errorOf(await finishLogin(app.url, authenticator.get(options, { breakSignature: true }), cookie, from))).toMatchObject({
        reason: "PASSKEY_REFUSED",
      });
    }
    const { options, cookie } = await startLogin(app.url);
    expect(errorOf(await finishLogin(app.url, authenticator.get(options), cookie, from))).toMatchObject({
      code: "TOO_MANY_REQUESTS",
      reason: "LOGIN_ATTEMPTS",
    });
    // Another address is not held up.
    const other = await startLogin(app.url);
    expect(
      (await finishLogin(app.url, authenticator.get(other.options), other.cookie, { "x-forwarded-for": "203.0.113.78" })).errors,
    ).toBeUndefined();
  });
});

describe("managing passkeys, and a passkey as the second step", () => {
  let offsetMs = 0;
  const app = useTestServer({}, () => Date.now() + offsetMs);
  afterEach(() => {
    offsetMs = 0;
  });

  /** Verifies the token's session with the authenticator's passkey; the new pair. */
  async function verifyWithPasskey(token: string, authenticator: SoftwareAuthenticator) {
    const started = await graphql(app.url, StartPasskeyVerificationDocument, {}, { token });
    const options = started.data!.startPasskeyVerification as { allowCredentials: Array<{ id: string }> };
    expect(options.allowCredentials.map((entry) => entry.id)).toEqual(authenticator.credentialIds);
    return graphql(app.url, VerifyPasskeyDocument, { response: authenticator.get(options) }, { token });
  }

  test("renaming: the owner's passkey only, with a name of 1 to 100 characters", async () => {
    const ada = await signUp(app.url);
    const eve = await signUp(app.url);
    const passkey = await registerPasskey(app.url, ada.accessToken, new SoftwareAuthenticator({ origin: ORIGIN }));
    expect(passkey.name).toBe("Passkey");
    const renamed = await graphql(app.url, RenamePasskeyDocument, { id: passkey.id, name: "  Phone " }, { token: ada.accessToken });
    expect(renamed.data!.renamePasskey).toEqual({ id: passkey.id, name: "Phone" });
    expect(
      errorOf(await graphql(app.url, RenamePasskeyDocument, { id: passkey.id, name: "Mine" }, { token: eve.accessToken })),
    ).toMatchObject({
      reason: "NOT_FOUND",
    });
    expect(errorOf(await graphql(app.url, RenamePasskeyDocument, { id: passkey.id, name: " " }, { token: ada.accessToken }))).toMatchObject(
      {
        field: "name",
        reason: "INVALID",
      },
    );
  });

  test("deleting needs a recent sign-in, which a passkey verification gives; the deleted passkey signs in no more", async () => {
    const account = await signUp(app.url);
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    const passkey = await registerPasskey(app.url, account.accessToken, authenticator);
    offsetMs = 11 * 60_000;
    const stale = await graphql(app.url, DeletePasskeyDocument, { id: passkey.id }, { token: account.accessToken });
    expect(errorOf(stale)).toEqual({ code: "FORBIDDEN", reason: "RECENT_LOGIN_REQUIRED" });
    const fresh = (await verifyWithPasskey(account.accessToken, authenticator)).data!.verifyPasskey;
    expect((await graphql(app.url, DeletePasskeyDocument, { id: passkey.id }, { token: fresh.accessToken })).data).toEqual({
      deletePasskey: true,
    });
    expect(await kindsOf(app.url, fresh.accessToken)).toEqual(
      expect.arrayContaining(["PASSKEY_REMOVED", "PASSKEY_USED", "SECOND_FACTOR_VERIFIED"]),
    );
    expect(errorOf(await passkeyLogin(app.url, authenticator))).toEqual({ code: "UNAUTHENTICATED", reason: "PASSKEY_UNKNOWN" });
  });

  test("after a password, a passkey raises the level-1 session of a TOTP account to level 2 (pwd + hwk + user)", async () => {
    const account = await signUp(app.url);
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    await registerPasskey(app.url, account.accessToken, authenticator);
    await enrollTotp(app.url, account.accessToken);
    const login = await graphql(app.url, LoginTwoStepDocument, { input: { email: account.user.email, password: PASSWORD } });
    const levelOne = login.data!.login;
    expect(levelOne.secondFactorRequired).toBe(true);
    const verified = (await verifyWithPasskey(levelOne.accessToken, authenticator)).data!.verifyPasskey;
    expect(verified.secondFactorRequired).toBe(false);
    expect(claimsOf(verified.accessToken)).toMatchObject({ amr: ["pwd", "hwk", "user"], sid: claimsOf(levelOne.accessToken).sid });
    expect((await graphql(app.url, ME, undefined, { token: verified.accessToken })).errors).toBeUndefined();
    // Another account's passkey does not verify this session.
    const other = await signUp(app.url);
    const others = new SoftwareAuthenticator({ origin: ORIGIN });
    await registerPasskey(app.url, other.accessToken, others);
    const started = await graphql(app.url, StartPasskeyVerificationDocument, {}, { token: verified.accessToken });
    const foreign = others.get(started.data!.startPasskeyVerification, { credentialId: others.credentialIds[0] });
    expect(errorOf(await graphql(app.url, VerifyPasskeyDocument, { response: foreign }, { token: verified.accessToken }))).toEqual({
      code: "UNAUTHENTICATED",
      reason: "PASSKEY_UNKNOWN",
    });
  });

  test("adding or deleting a passkey voids pending password-reset links", async () => {
    const account = await signUp(app.url);
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    const resetLink = () => storedResetLink(app.prisma, account.user);
    const reset = (token: string) =>
      graphql(
        app.url,
        'mutation ($token: String!) { resetPassword(token: $token, newPassword: "another fine password") { accessToken } }',
        {
          token,
        },
      );
    const beforeAdding = await resetLink();
    const passkey = await registerPasskey(app.url, account.accessToken, authenticator);
    expect(errorOf(await reset(beforeAdding))).toMatchObject({ reason: "LINK_USED" });
    const beforeDeleting = await resetLink();
    await graphql(app.url, DeletePasskeyDocument, { id: passkey.id }, { token: account.accessToken });
    expect(errorOf(await reset(beforeDeleting))).toMatchObject({ reason: "LINK_USED" });
  });
});

// An admin's removeUserSecondFactor is account recovery for a user who lost the authenticator app
// (and the recovery codes). Passkeys are credentials the user manages, never the factor an account
// requires: they stay, and the account is left in a state the user can sign in to and tidy up.
describe("account recovery by an admin, on an account with passkeys", () => {
  const app = useTestServer({
    get SMTP_URL() {
      return smtp.url;
    },
  });

  async function anAdmin() {
    const admin = await signUp(app.url);
    await app.prisma.user.update({ where: { id: admin.user.id }, data: { role: "ADMIN" } });
    return admin;
  }

  const removalsOf = async (adminToken: string, userId: string) => {
    const page = await graphql(app.url, SecurityEventsDocument, { userId, kind: "SECOND_FACTOR_REMOVED" }, { token: adminToken });
    return page.data!.securityEvents.edges.map(({ node }) => ({ actorId: node.actorId, detail: JSON.parse(node.detail!) as unknown }));
  };

  test("the app and its codes go, the passkeys stay and still sign in, every session ends, and the mail says so", async () => {
    const admin = await anAdmin();
    const account = await signUp(app.url);
    const lost = new SoftwareAuthenticator({ origin: ORIGIN });
    const kept = new SoftwareAuthenticator({ origin: ORIGIN });
    const lostPasskey = await registerPasskey(app.url, account.accessToken, lost, "Phone");
    await registerPasskey(app.url, account.accessToken, kept, "Laptop");
    await enrollTotp(app.url, account.accessToken);
    const byPasskey = (await passkeyLogin(app.url, kept)).data!.finishPasskeyLogin;
    const waiting = (await graphql(app.url, LoginTwoStepDocument, { input: { email: account.user.email, password: PASSWORD } })).data!
      .login;
    expect([byPasskey.secondFactorRequired, waiting.secondFactorRequired]).toEqual([false, true]);

    const removed = await graphql(app.url, RemoveUserSecondFactorDocument, { id: account.user.id }, { token: admin.accessToken });
    expect(removed.data!.removeUserSecondFactor).toEqual({ id: account.user.id, secondFactors: [] });
    // Every session ends: the one a passkey opened at level 2 too, since whoever held the account may have opened it.
    for (const token of [account.accessToken, byPasskey.accessToken, waiting.accessToken]) {
      expect(errorOf(await graphql(app.url, ME, undefined, { token }))).toEqual({ code: "UNAUTHENTICATED", reason: "SESSION_ENDED" });
    }
    expect(await app.prisma.recoveryCode.count({ where: { userId: account.user.id } })).toBe(0);
    expect(await app.prisma.passkey.count({ where: { userId: account.user.id } })).toBe(2);
    expect(await removalsOf(admin.accessToken, account.user.id)).toEqual([
      { actorId: admin.user.id, detail: { byAdmin: true, passkeysKept: 2 } },
    ]);
    await waitUntil(() => smtp.mailTo(account.user.email).some((mail) => mail.subject === "Two-step sign-in is off"), "the notice");
    const notice = smtp.mailTo(account.user.email).find((mail) => mail.subject === "Two-step sign-in is off")!;
    expect(notice.text).toContain("An admin removed the authenticator app and the recovery codes of your account");
    expect(notice.text).toContain("Your 2 passkeys were kept and still sign in. If one was on a device you lost, sign in and delete it.");

    // A passkey signs in at level 2, as before; the password alone now opens a full session too.
    const again = await passkeyLogin(app.url, kept);
    expect(again.data!.finishPasskeyLogin.secondFactorRequired).toBe(false);
    expect(claimsOf(again.data!.finishPasskeyLogin.accessToken).amr).toEqual(["hwk", "user"]);
    const password = (await graphql(app.url, LoginTwoStepDocument, { input: { email: account.user.email, password: PASSWORD } })).data!
      .login;
    expect(password.secondFactorRequired).toBe(false);
    // That sign-in is recent enough to delete the passkey of the lost device, which then signs in no more.
    const deleted = await graphql(app.url, DeletePasskeyDocument, { id: lostPasskey.id }, { token: password.accessToken });
    expect(deleted.data).toEqual({ deletePasskey: true });
    expect(errorOf(await passkeyLogin(app.url, lost))).toEqual({ code: "UNAUTHENTICATED", reason: "PASSKEY_UNKNOWN" });
  });

  test("a passkey that verifies its user needs no admin: its level-2 session replaces the lost app, with new recovery codes", async () => {
    const account = await signUp(app.url);
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    await registerPasskey(app.url, account.accessToken, authenticator);
    const lostApp = await enrollTotp(app.url, account.accessToken);
    const byPasskey = (await passkeyLogin(app.url, authenticator)).data!.finishPasskeyLogin;
    const newApp = await enrollTotp(app.url, byPasskey.accessToken);
    expect(newApp.secret).not.toBe(lostApp.secret);
    expect(newApp.recoveryCodes).toHaveLength(10);
    const level1 = (await graphql(app.url, LoginTwoStepDocument, { input: { email: account.user.email, password: PASSWORD } })).data!.login;
    expect(
      errorOf(await graphql(app.url, VerifySecondFactorDocument, { code: lostApp.recoveryCodes[0]! }, { token: level1.accessToken })),
    ).toMatchObject({ reason: "WRONG_CODE" });
    const verified = await graphql(app.url, VerifySecondFactorDocument, { code: newApp.recoveryCodes[0]! }, { token: level1.accessToken });
    expect(verified.data!.verifySecondFactor.secondFactorRequired).toBe(false);
  });

  test("an account with passkeys and no app is left as it is: its sessions go on, its passkeys sign in, nothing is recorded", async () => {
    const admin = await anAdmin();
    const account = await signUp(app.url);
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    await registerPasskey(app.url, account.accessToken, authenticator);

    const removed = await graphql(app.url, RemoveUserSecondFactorDocument, { id: account.user.id }, { token: admin.accessToken });
    expect(removed.data!.removeUserSecondFactor).toEqual({ id: account.user.id, secondFactors: [] });
    expect((await graphql(app.url, ME, undefined, { token: account.accessToken })).errors).toBeUndefined();
    expect((await passkeyLogin(app.url, authenticator)).errors).toBeUndefined();
    expect(await removalsOf(admin.accessToken, account.user.id)).toEqual([]);
  });
});
