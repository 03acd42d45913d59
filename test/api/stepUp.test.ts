import fs from "node:fs";
import path from "node:path";
import { getDirective } from "@graphql-tools/utils";
import { buildSchema } from "graphql";
import {
  DisableTotpDocument,
  LoginTwoStepDocument,
  MySecondFactorsDocument,
  MySecurityEventsDocument,
  SecurityEventsDocument,
  RegenerateRecoveryCodesDocument,
  RemoveUserSecondFactorDocument,
  StartTotpEnrollmentDocument,
  VerifySecondFactorDocument,
} from "../support/generated/graphql";
import { CHANGE_PASSWORD, DELETE_ACCOUNT, graphql, logIn, ME, PASSWORD, signUp } from "../support/graphqlClient";
import { codeAt, enrollTotp, verifyWithCode } from "../support/secondFactor";
import { startSmtpServer, type TestSmtpServer } from "../support/smtpServer";
import type { RunningApp } from "../../src/app";
import { PROJECT_ROOT } from "../../src/projectRoot";
import { startTestServer, useTestServer } from "../support/testServer";

// Step-up and the factor's own operations: what changes credentials needs a second factor
// verified in this session within RECENT_SECOND_FACTOR_MAX_AGE (10 minutes). The server's clock
// is moved instead of waiting.
const MINUTE = 60_000;
let offsetMs = 0;
const now = () => Date.now() + offsetMs;
const later = (ms: number) => (offsetMs += ms);

const reasonOf = (response: { errors?: Array<{ extensions?: Record<string, unknown> }> }) => response.errors?.[0]?.extensions?.reason;

/**
 * The operations that change credentials, each as a caller would send it. Step-up refuses them
 * before their resolvers run, so arguments of the right type are all they need. The issue names
 * changePassword, requestEmailChange, deleteAccount and changing or removing factors (passkeys too).
 */
const CREDENTIAL_OPERATIONS: Record<string, string> = {
  changePassword: 'mutation { changePassword(input: { currentPassword: "x", newPassword: "a brand new passphrase" }) { accessToken } }',
  requestEmailChange: 'mutation { requestEmailChange(newEmail: "new@example.com", currentPassword: "x") }',
  deleteAccount: 'mutation { deleteAccount(currentPassword: "x") }',
  startTotpEnrollment: "mutation { startTotpEnrollment { secret } }",
  confirmTotpEnrollment: 'mutation { confirmTotpEnrollment(code: "123456") }',
  disableTotp: 'mutation { disableTotp(code: "123456") }',
  regenerateRecoveryCodes: 'mutation { regenerateRecoveryCodes(code: "123456") }',
  removeUserSecondFactor: 'mutation { removeUserSecondFactor(id: "00000000-0000-4000-8000-000000000000") { id } }',
  // A passkey is a way in: adding and deleting one are credential changes too.
  startPasskeyRegistration: "mutation { startPasskeyRegistration }",
  finishPasskeyRegistration: "mutation { finishPasskeyRegistration(response: {}) { id } }",
  deletePasskey: 'mutation { deletePasskey(id: "00000000-0000-4000-8000-000000000000") }',
  // So is an identity provider's: linking one adds a way in, unlinking removes one.
  startIdentityLink: 'mutation { startIdentityLink(provider: "google") }',
  unlinkIdentity: 'mutation { unlinkIdentity(provider: "google") }',
};

/** The fields schema.graphql marks @recentSecondFactor. */
function stepUpFields(): string[] {
  const schema = buildSchema(fs.readFileSync(path.join(PROJECT_ROOT, "schema.graphql"), "utf8"));
  return Object.values(schema.getMutationType()!.getFields())
    .concat(Object.values(schema.getQueryType()!.getFields()))
    .filter((field) => getDirective(schema, field, "recentSecondFactor") !== undefined)
    .map((field) => field.name);
}

describe("step-up", () => {
  const app = useTestServer({}, now);

  /** An account with TOTP, and a session that verified it just now. */
  async function verifiedSession() {
    const account = await signUp(app.url);
    const { secret, recoveryCodes } = await enrollTotp(app.url, account.accessToken, now());
    later(MINUTE);
    const level1 = (await graphql(app.url, LoginTwoStepDocument, { input: { email: account.user.email, password: PASSWORD } })).data!.login;
    const verified = await verifyWithCode(app.url, level1.accessToken, codeAt(secret, now()));
    return { account, secret, recoveryCodes, token: verified.accessToken };
  }

  test("every operation that changes credentials, and only those, asks a session verified over 10 minutes ago for a fresh proof", async () => {
    expect(stepUpFields().sort()).toEqual(Object.keys(CREDENTIAL_OPERATIONS).sort());
    const { account, token } = await verifiedSession();
    // An admin, so that the admin's operation gets past its ADMIN rule to the step-up.
    await app.prisma.user.update({ where: { id: account.user.id }, data: { role: "ADMIN" } });
    // Within the 10 minutes the operation itself answers (here: its password check).
    later(9 * MINUTE);
    expect(reasonOf(await graphql(app.url, CREDENTIAL_OPERATIONS.requestEmailChange!, {}, { token }))).toBe("WRONG_PASSWORD");
    later(2 * MINUTE);
    const refusals = Object.fromEntries(
      await Promise.all(
        Object.entries(CREDENTIAL_OPERATIONS).map(async ([name, query]) => [name, reasonOf(await graphql(app.url, query, {}, { token }))]),
      ),
    );
    expect(refusals).toEqual(Object.fromEntries(Object.keys(CREDENTIAL_OPERATIONS).map((name) => [name, "RECENT_SECOND_FACTOR_REQUIRED"])));
    // None of them ran: the factor and its codes are as they were.
    expect((await graphql(app.url, MySecondFactorsDocument, {}, { token })).data!.me).toMatchObject({ recoveryCodesLeft: 10 });
  });

  test("changing the password needs a verification within 10 minutes; verifySecondFactor renews it", async () => {
    const { secret, token } = await verifiedSession();
    const input = { currentPassword: PASSWORD, newPassword: "a brand new passphrase" };
    later(11 * MINUTE);
    expect(reasonOf(await graphql(app.url, CHANGE_PASSWORD, { input }, { token }))).toBe("RECENT_SECOND_FACTOR_REQUIRED");
    // Other operations do not ask for it.
    expect((await graphql(app.url, ME, undefined, { token })).errors).toBeUndefined();

    const fresh = await verifyWithCode(app.url, token, codeAt(secret, now()));
    const changed = await graphql(app.url, CHANGE_PASSWORD, { input }, { token: fresh.accessToken });
    expect(changed.errors).toBeUndefined();
    // The new session keeps what the old one had proven.
    expect((await graphql(app.url, ME, undefined, { token: changed.data!.changePassword.accessToken })).errors).toBeUndefined();
  });

  test("deleting the account and the factor operations ask for it too; an account without a factor does not", async () => {
    const { recoveryCodes, token } = await verifiedSession();
    later(11 * MINUTE);
    expect(reasonOf(await graphql(app.url, DELETE_ACCOUNT, { currentPassword: PASSWORD }, { token }))).toBe(
      "RECENT_SECOND_FACTOR_REQUIRED",
    );
    expect(reasonOf(await graphql(app.url, StartTotpEnrollmentDocument, {}, { token }))).toBe("RECENT_SECOND_FACTOR_REQUIRED");
    const code = recoveryCodes[0]!;
    expect(reasonOf(await graphql(app.url, DisableTotpDocument, { code }, { token }))).toBe("RECENT_SECOND_FACTOR_REQUIRED");
    expect(reasonOf(await graphql(app.url, RegenerateRecoveryCodesDocument, { code }, { token }))).toBe("RECENT_SECOND_FACTOR_REQUIRED");
    // The refusals spent no code.
    await verifyWithCode(app.url, token, code);
    later(MINUTE);
    expect((await graphql(app.url, StartTotpEnrollmentDocument, {}, { token })).errors).toBeUndefined();

    const plain = await signUp(app.url);
    later(11 * MINUTE);
    expect((await graphql(app.url, DELETE_ACCOUNT, { currentPassword: PASSWORD }, { token: plain.accessToken })).errors).toBeUndefined();
  });

  test("new recovery codes replace the old ones; disabling TOTP takes a code and ends the sessions still waiting for it", async () => {
    const { account, secret, recoveryCodes, token } = await verifiedSession();
    const renewed = await graphql(app.url, RegenerateRecoveryCodesDocument, { code: recoveryCodes[1]! }, { token });
    const newCodes = renewed.data!.regenerateRecoveryCodes;
    expect(newCodes).toHaveLength(10);
    expect(newCodes).not.toContain(recoveryCodes[2]);
    expect((await graphql(app.url, MySecondFactorsDocument, {}, { token })).data!.me.recoveryCodesLeft).toBe(10);

    const waiting = await logIn(app.url, account.user.email);
    expect(reasonOf(await graphql(app.url, DisableTotpDocument, { code: "000000" }, { token }))).toBe("WRONG_CODE");
    // An old recovery code is void.
    expect(reasonOf(await graphql(app.url, DisableTotpDocument, { code: recoveryCodes[2]! }, { token }))).toBe("WRONG_CODE");
    later(MINUTE);
    expect((await graphql(app.url, DisableTotpDocument, { code: codeAt(secret, now()) }, { token })).data).toEqual({ disableTotp: true });

    expect((await graphql(app.url, MySecondFactorsDocument, {}, { token })).data!.me).toEqual({ secondFactors: [], recoveryCodesLeft: 0 });
    // The session that had only the password does not become a full one: it ended.
    expect(reasonOf(await graphql(app.url, ME, undefined, { token: waiting.accessToken }))).toBe("SESSION_ENDED");
    const login = await graphql(app.url, LoginTwoStepDocument, { input: { email: account.user.email, password: PASSWORD } });
    expect(login.data!.login.secondFactorRequired).toBe(false);
  });
});

describe("an admin removes a user's second factor, and the user is told of every change by mail", () => {
  let smtp: TestSmtpServer;
  let app: RunningApp;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    app = await startTestServer({ SMTP_URL: smtp.url }, now);
  });
  afterAll(async () => {
    await app.stop();
    await smtp.stop();
  });

  test("turning it on, using up recovery codes and turning it off each send a notice", async () => {
    const account = await signUp(app.url);
    expect((await smtp.nextMailTo(account.user.email)).subject).toBe("Verify your email address");
    const { recoveryCodes } = await enrollTotp(app.url, account.accessToken, now());
    expect((await smtp.nextMailTo(account.user.email)).subject).toBe("Two-step sign-in is on");
    // Ten codes: the eighth leaves two, fewer than three, and the user hears of it.
    for (const code of recoveryCodes.slice(0, 8)) await verifyWithCode(app.url, account.accessToken, code);
    const low = await smtp.nextMailTo(account.user.email);
    expect(low.subject).toBe("Your recovery codes are running out");
    expect(low.text).toContain("2 are left");
    await graphql(app.url, DisableTotpDocument, { code: recoveryCodes[8]! }, { token: account.accessToken });
    // Turned off with the ninth code: no word of codes running out, as there is no factor any more.
    expect((await smtp.nextMailTo(account.user.email)).subject).toBe("Two-step sign-in is off");
    // Queued before the notice that just arrived, a word of codes running out would be here by now.
    expect(smtp.mailTo(account.user.email).map((mail) => mail.subject)).toEqual([
      "Verify your email address",
      "Two-step sign-in is on",
      "Your recovery codes are running out",
      "Two-step sign-in is off",
    ]);
  });

  test("the factor and the codes go, every session of the user ends, and the user is told", async () => {
    const admin = await signUp(app.url);
    await app.prisma.user.update({ where: { id: admin.user.id }, data: { role: "ADMIN" } });
    const user = await signUp(app.url);
    await enrollTotp(app.url, user.accessToken, now());
    const waiting = await logIn(app.url, user.user.email);

    const removed = await graphql(app.url, RemoveUserSecondFactorDocument, { id: user.user.id }, { token: admin.accessToken });
    expect(removed.data!.removeUserSecondFactor).toEqual({ id: user.user.id, secondFactors: [] });
    expect(reasonOf(await graphql(app.url, ME, undefined, { token: user.accessToken }))).toBe("SESSION_ENDED");
    expect(reasonOf(await graphql(app.url, ME, undefined, { token: waiting.accessToken }))).toBe("SESSION_ENDED");
    expect(await app.prisma.recoveryCode.count({ where: { userId: user.user.id } })).toBe(0);
    const login = await graphql(app.url, LoginTwoStepDocument, { input: { email: user.user.email, password: PASSWORD } });
    expect(login.data!.login.secondFactorRequired).toBe(false);

    expect((await smtp.nextMailTo(user.user.email)).subject).toBe("Verify your email address");
    expect((await smtp.nextMailTo(user.user.email)).subject).toBe("Two-step sign-in is on");
    expect((await smtp.nextMailTo(user.user.email)).text).toContain("An admin removed the authenticator app");

    const own = await graphql(app.url, RemoveUserSecondFactorDocument, { id: admin.user.id }, { token: admin.accessToken });
    expect(own.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", reason: "OWN_ACCOUNT" });
  });
});

describe("the security event log", () => {
  const app = useTestServer({}, now);

  /**
   * The account's events as its user reads them: kind, detail and who acted, in no particular order
   * (the events of one transaction share their time, and their order among themselves is not kept).
   */
  async function eventsOf(token: string) {
    const page = await graphql(app.url, MySecurityEventsDocument, { first: 100 }, { token });
    return page.data!.mySecurityEvents.edges.map(({ node }) => ({
      kind: node.kind,
      detail: node.detail === null || node.detail === undefined ? null : (JSON.parse(node.detail) as unknown),
      actorId: node.actorId,
    }));
  }

  test("every factor change, verification, wrong code and spent recovery code is recorded with its change", async () => {
    const account = await signUp(app.url);
    const { secret, recoveryCodes } = await enrollTotp(app.url, account.accessToken, now());
    later(MINUTE);
    const level1 = await logIn(app.url, account.user.email);
    expect(reasonOf(await graphql(app.url, VerifySecondFactorDocument, { code: "000000" }, { token: level1.accessToken }))).toBe(
      "WRONG_CODE",
    );
    const viaApp = await verifyWithCode(app.url, level1.accessToken, codeAt(secret, now()));
    const viaCode = await verifyWithCode(app.url, (await logIn(app.url, account.user.email)).accessToken, recoveryCodes[0]!);
    await graphql(app.url, RegenerateRecoveryCodesDocument, { code: recoveryCodes[1]! }, { token: viaApp.accessToken });
    later(MINUTE);
    await graphql(app.url, DisableTotpDocument, { code: codeAt(secret, now()) }, { token: viaCode.accessToken });

    const own = account.user.id;
    const factorEvents = (await eventsOf(viaCode.accessToken)).filter((event) => !["SIGNUP", "LOGIN"].includes(event.kind));
    const sorted = (events: unknown[]) => events.map((event) => JSON.stringify(event)).sort();
    expect(sorted(factorEvents)).toEqual(
      sorted([
        { kind: "SECOND_FACTOR_ADDED", detail: { kind: "TOTP", replaced: false }, actorId: own },
        { kind: "SECOND_FACTOR_FAILED", detail: { method: "TOTP" }, actorId: own },
        { kind: "SECOND_FACTOR_VERIFIED", detail: { method: "TOTP" }, actorId: own },
        { kind: "SECOND_FACTOR_VERIFIED", detail: { method: "RECOVERY_CODE" }, actorId: own },
        { kind: "RECOVERY_CODE_USED", detail: { left: 9 }, actorId: own },
        { kind: "RECOVERY_CODES_REGENERATED", detail: { method: "RECOVERY_CODE" }, actorId: own },
        { kind: "RECOVERY_CODE_USED", detail: { left: 10 }, actorId: own },
        { kind: "SECOND_FACTOR_REMOVED", detail: { kind: "TOTP", method: "TOTP" }, actorId: own },
      ]),
    );
    // The logins of the account with a factor say that the session still awaited it.
    const logins = (await eventsOf(viaCode.accessToken)).filter((event) => event.kind === "LOGIN");
    expect(logins.map((event) => event.detail)).toEqual([
      { method: "PASSWORD", secondFactorRequired: true },
      { method: "PASSWORD", secondFactorRequired: true },
    ]);
  });

  test("an admin's removal of a user's factor is the user's event, with the admin as its actor", async () => {
    const admin = await signUp(app.url);
    await app.prisma.user.update({ where: { id: admin.user.id }, data: { role: "ADMIN" } });
    const user = await signUp(app.url);
    await enrollTotp(app.url, user.accessToken, now());
    await graphql(app.url, RemoveUserSecondFactorDocument, { id: user.user.id }, { token: admin.accessToken });
    const removals = await graphql(
      app.url,
      SecurityEventsDocument,
      { userId: user.user.id, kind: "SECOND_FACTOR_REMOVED" },
      { token: admin.accessToken },
    );
    expect(removals.data!.securityEvents.edges.map(({ node }) => node)).toEqual([
      expect.objectContaining({
        kind: "SECOND_FACTOR_REMOVED",
        userId: user.user.id,
        actorId: admin.user.id,
        sessionId: expect.any(String),
      }),
    ]);
  });
});

describe("REQUIRE_ADMIN_SECOND_FACTOR", () => {
  const app = useTestServer({ REQUIRE_ADMIN_SECOND_FACTOR: "true" }, now);

  test("an admin acts as an admin only from a session that verified a second factor", async () => {
    const admin = await signUp(app.url);
    await app.prisma.user.update({ where: { id: admin.user.id }, data: { role: "ADMIN" } });
    const users = "{ users(first: 1) { pageInfo { hasNextPage } } }";
    const refused = await graphql(app.url, users, {}, { token: admin.accessToken });
    expect(refused.errors![0]!.extensions).toEqual({ code: "FORBIDDEN", reason: "SECOND_FACTOR_REQUIRED" });
    // Not an admin's business yet, but the admin's own account still is.
    expect((await graphql(app.url, ME, undefined, { token: admin.accessToken })).errors).toBeUndefined();

    const { secret } = await enrollTotp(app.url, admin.accessToken, now());
    // The enrolling session verified with its code.
    expect((await graphql(app.url, users, {}, { token: admin.accessToken })).errors).toBeUndefined();
    later(MINUTE);
    const level1 = (await graphql(app.url, LoginTwoStepDocument, { input: { email: admin.user.email, password: PASSWORD } })).data!.login;
    expect(reasonOf(await graphql(app.url, users, {}, { token: level1.accessToken }))).toBe("SECOND_FACTOR_REQUIRED");
    const verified = await verifyWithCode(app.url, level1.accessToken, codeAt(secret, now()));
    expect((await graphql(app.url, users, {}, { token: verified.accessToken })).errors).toBeUndefined();
  });
});
