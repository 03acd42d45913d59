import crypto from "node:crypto";
import jwt from "jsonwebtoken";
import {
  ConfirmTotpEnrollmentDocument,
  LoginTwoStepDocument,
  MySecondFactorsDocument,
  RefreshTwoStepDocument,
  StartTotpEnrollmentDocument,
  VerifySecondFactorDocument,
} from "../support/generated/graphql";
import { graphql, logIn, LOGOUT, ME, PASSWORD, signUp } from "../support/graphqlClient";
import { codeAt, enrollTotp, verifyWithCode } from "../support/secondFactor";
import { storedResetLink } from "../support/storedLinks";
import { useTestServer } from "../support/testServer";

// TOTP as a user meets it: set up an authenticator app, then every password login asks for its
// code. The test computes the codes from the secret, as the app would, on the server's clock,
// which the tests move in steps of 30 seconds instead of waiting.
const STEP_MS = 30_000;
let offsetMs = 0;
const now = () => Date.now() + offsetMs;
/** The next 30-second step: a new code. */
const nextStep = () => (offsetMs += STEP_MS);

const claimsOf = (token: string) => jwt.decode(token) as jwt.JwtPayload;

describe("TOTP enrolment", () => {
  const app = useTestServer({}, now);

  test("a started enrolment enforces nothing; a code of the app confirms it and returns ten recovery codes, stored only hashed", async () => {
    const account = await signUp(app.url);
    const started = await graphql(app.url, StartTotpEnrollmentDocument, {}, { token: account.accessToken });
    const { secret, otpauthUri, qrCodeSvg } = started.data!.startTotpEnrollment;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(otpauthUri).toBe(`otpauth://totp/GraphQL%20Auth%20API:${account.user.email}?secret=${secret}&issuer=GraphQL%20Auth%20API`);
    expect(qrCodeSvg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);

    // Pending: a password login is a full session still.
    const pending = await graphql(app.url, LoginTwoStepDocument, { input: { email: account.user.email, password: PASSWORD } });
    expect(pending.data!.login.secondFactorRequired).toBe(false);
    expect((await graphql(app.url, ME, undefined, { token: pending.data!.login.accessToken })).errors).toBeUndefined();

    const wrong = await graphql(app.url, ConfirmTotpEnrollmentDocument, { code: "000000" }, { token: account.accessToken });
    expect(wrong.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "code", reason: "WRONG_CODE" });
    const confirmed = await graphql(
      app.url,
      ConfirmTotpEnrollmentDocument,
      { code: codeAt(secret, now()) },
      { token: account.accessToken },
    );
    const recoveryCodes = confirmed.data!.confirmTotpEnrollment;
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);

    const mine = await graphql(app.url, MySecondFactorsDocument, {}, { token: account.accessToken });
    expect(mine.data!.me).toMatchObject({ secondFactors: [{ kind: "TOTP" }], recoveryCodesLeft: 10 });
    // The enrolling session proved the app with its code: it stays a full session.
    expect(mine.errors).toBeUndefined();

    // Neither the secret nor a recovery code is in the database as it was shown.
    const rows = JSON.stringify([
      await app.prisma.secondFactor.findMany({ where: { userId: account.user.id } }),
      await app.prisma.recoveryCode.findMany({ where: { userId: account.user.id } }),
    ]);
    expect(rows).not.toContain(secret);
    for (const code of recoveryCodes) expect(rows.toLowerCase()).not.toContain(code.replaceAll("-", "").toLowerCase());
    expect(await app.prisma.pendingTotpEnrollment.count({ where: { userId: account.user.id } })).toBe(0);
  });

  test("turning TOTP on asks the account's other sessions for the factor from their next request (every process hears of it)", async () => {
    const account = await signUp(app.url);
    const laptop = await logIn(app.url, account.user.email);
    // Read once, so that this process holds the session and the user in its auth cache.
    expect((await graphql(app.url, ME, undefined, { token: laptop.accessToken })).errors).toBeUndefined();
    await enrollTotp(app.url, account.accessToken, now());
    const refused = await graphql(app.url, ME, undefined, { token: laptop.accessToken });
    expect(refused.errors![0]!.extensions).toEqual({ code: "FORBIDDEN", reason: "SECOND_FACTOR_REQUIRED" });
    // The enrolling session proved the app with its code.
    expect((await graphql(app.url, ME, undefined, { token: account.accessToken })).errors).toBeUndefined();
  });

  test("the first factor takes a recent login: a session kept alive by refreshes for longer cannot put one on the account", async () => {
    const account = await signUp(app.url);
    // Eleven minutes on, refreshed as a client (or a thief holding its refresh token) would.
    offsetMs += 11 * 60_000;
    const kept = (await graphql(app.url, RefreshTwoStepDocument, { token: account.refreshToken })).data!.refreshToken;
    const refused = await graphql(app.url, StartTotpEnrollmentDocument, {}, { token: kept.accessToken });
    expect(refused.errors![0]!.extensions).toEqual({ code: "FORBIDDEN", reason: "RECENT_LOGIN_REQUIRED" });
    expect(await app.prisma.pendingTotpEnrollment.count({ where: { userId: account.user.id } })).toBe(0);
    // The password, just now, is the fresh proof.
    const loggedIn = await logIn(app.url, account.user.email);
    await enrollTotp(app.url, loggedIn.accessToken, now());
  });

  test("confirming without a started enrolment, or with something that is not a code, says so", async () => {
    const account = await signUp(app.url);
    const none = await graphql(app.url, ConfirmTotpEnrollmentDocument, { code: "123456" }, { token: account.accessToken });
    expect(none.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "code", reason: "NO_PENDING_ENROLLMENT" });
    const garbage = await graphql(app.url, ConfirmTotpEnrollmentDocument, { code: "'; DROP TABLE" }, { token: account.accessToken });
    expect(garbage.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "code", reason: "INVALID" });
  });
});

describe("a login with a second factor", () => {
  const app = useTestServer({}, now);

  async function accountWithTotp() {
    const account = await signUp(app.url);
    const enrolled = await enrollTotp(app.url, account.accessToken, now());
    nextStep();
    return { ...account, ...enrolled };
  }

  const logInLevel1 = async (email: string) => {
    const response = await graphql(app.url, LoginTwoStepDocument, { input: { email, password: PASSWORD } });
    if (!response.data) throw new Error(response.text);
    return response.data.login;
  };

  test("the password gives a level-1 session that reaches only verifySecondFactor and logout; a code raises it to level 2", async () => {
    const account = await accountWithTotp();
    const level1 = await logInLevel1(account.user.email);
    expect(level1.secondFactorRequired).toBe(true);
    expect(claimsOf(level1.accessToken)).toMatchObject({ amr: ["pwd"], auth_time: expect.any(Number) });
    const refused = await graphql(app.url, ME, undefined, { token: level1.accessToken });
    expect(refused.errors![0]!.extensions).toEqual({ code: "FORBIDDEN", reason: "SECOND_FACTOR_REQUIRED" });
    expect(refused.errors![0]!.message).toContain("verifySecondFactor");

    const verified = await verifyWithCode(app.url, level1.accessToken, codeAt(account.secret, now()));
    expect(verified.secondFactorRequired).toBe(false);
    expect(verified.user.email).toBe(account.user.email);
    const claims = claimsOf(verified.accessToken);
    expect(claims.amr).toEqual(["pwd", "otp"]);
    expect(Math.abs(claims.auth_time! - Math.floor(now() / 1000))).toBeLessThanOrEqual(1);
    expect(claims.sid).toBe(claimsOf(level1.accessToken).sid);
    expect((await graphql(app.url, ME, undefined, { token: verified.accessToken })).data!.me.id).toBe(account.user.id);

    // The pair was rotated: the level-1 refresh token is spent (and leads to no level-2 pair); the
    // new one keeps the level, and a refresh later on still says when the user authenticated, not
    // when the token was signed.
    const oldRefresh = await graphql(app.url, RefreshTwoStepDocument, { token: level1.refreshToken! });
    expect(oldRefresh.errors![0]!.extensions!.code).toBe("UNAUTHENTICATED");
    nextStep();
    const refreshed = await graphql(app.url, RefreshTwoStepDocument, { token: verified.refreshToken! });
    expect(refreshed.data!.refreshToken.secondFactorRequired).toBe(false);
    const refreshedClaims = claimsOf(refreshed.data!.refreshToken.accessToken);
    expect(refreshedClaims).toMatchObject({ amr: ["pwd", "otp"], auth_time: claims.auth_time });
    expect(refreshedClaims.iat! - claims.auth_time!).toBeGreaterThanOrEqual(STEP_MS / 1000);
  });

  test("a level-1 session keeps its level across refreshes, and can log out", async () => {
    const account = await accountWithTotp();
    const level1 = await logInLevel1(account.user.email);
    const refreshed = (await graphql(app.url, RefreshTwoStepDocument, { token: level1.refreshToken! })).data!.refreshToken;
    expect(refreshed.secondFactorRequired).toBe(true);
    expect(claimsOf(refreshed.accessToken).amr).toEqual(["pwd"]);
    expect((await graphql(app.url, ME, undefined, { token: refreshed.accessToken })).errors![0]!.extensions!.reason).toBe(
      "SECOND_FACTOR_REQUIRED",
    );
    expect((await graphql(app.url, LOGOUT, undefined, { token: refreshed.accessToken })).data).toEqual({ logout: true });
    expect((await graphql(app.url, ME, undefined, { token: refreshed.accessToken })).errors![0]!.extensions!.reason).toBe("SESSION_ENDED");
  });

  test("a TOTP code works once: the same code in the same step is refused the second time", async () => {
    const account = await accountWithTotp();
    const code = codeAt(account.secret, now());
    const first = await logInLevel1(account.user.email);
    const second = await logInLevel1(account.user.email);
    await verifyWithCode(app.url, first.accessToken, code);
    const replayed = await graphql(app.url, VerifySecondFactorDocument, { code }, { token: second.accessToken });
    expect(replayed.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "code", reason: "WRONG_CODE" });
    // The next step's code is new, and works.
    nextStep();
    await verifyWithCode(app.url, second.accessToken, codeAt(account.secret, now()));
    // The step before it is still within the clock drift allowed, but older than a code accepted: refused.
    const third = await logInLevel1(account.user.email);
    const older = await graphql(
      app.url,
      VerifySecondFactorDocument,
      { code: codeAt(account.secret, now() - STEP_MS) },
      { token: third.accessToken },
    );
    expect(older.errors![0]!.extensions).toMatchObject({ reason: "WRONG_CODE" });
  });

  test("the same code sent by two sessions at once works for one of them", async () => {
    const account = await accountWithTotp();
    const code = codeAt(account.secret, now());
    const sessions = await Promise.all([1, 2].map(() => logInLevel1(account.user.email)));
    const answers = await Promise.all(
      sessions.map((session) => graphql(app.url, VerifySecondFactorDocument, { code }, { token: session.accessToken })),
    );
    const outcomes = answers.map((answer) => (answer.data ? "VERIFIED" : answer.errors![0]!.extensions!.reason));
    expect(outcomes.sort()).toEqual(["VERIFIED", "WRONG_CODE"]);
  });

  test("a recovery code works instead of the app, once, whichever way it is typed", async () => {
    const account = await accountWithTotp();
    const [recoveryCode] = account.recoveryCodes;
    const first = await logInLevel1(account.user.email);
    const verified = await verifyWithCode(app.url, first.accessToken, ` ${recoveryCode!.toUpperCase().replaceAll("-", " ")} `);
    expect(claimsOf(verified.accessToken).amr).toEqual(["pwd", "otp"]);
    const left = await graphql(app.url, MySecondFactorsDocument, {}, { token: verified.accessToken });
    expect(left.data!.me.recoveryCodesLeft).toBe(9);
    const again = await logInLevel1(account.user.email);
    const reused = await graphql(app.url, VerifySecondFactorDocument, { code: recoveryCode! }, { token: again.accessToken });
    expect(reused.errors![0]!.extensions).toMatchObject({ reason: "WRONG_CODE" });
  });

  test("an account without a second factor has nothing to verify", async () => {
    const account = await signUp(app.url);
    const answer = await graphql(app.url, VerifySecondFactorDocument, { code: "123456" }, { token: account.accessToken });
    expect(answer.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "code", reason: "NO_SECOND_FACTOR" });
  });

  test("a password reset leaves the factor on: its session is at level 1 too", async () => {
    const account = await accountWithTotp();
    const token = await storedResetLink(app.prisma, account.user, now());
    const reset = await graphql(
      app.url,
      'mutation ($token: String!) { resetPassword(token: $token, newPassword: "a brand new passphrase") { accessToken secondFactorRequired } }',
      { token },
    );
    const payload = reset.data as { resetPassword: { accessToken: string; secondFactorRequired: boolean } };
    expect(payload.resetPassword.secondFactorRequired).toBe(true);
    expect((await graphql(app.url, ME, undefined, { token: payload.resetPassword.accessToken })).errors![0]!.extensions!.reason).toBe(
      "SECOND_FACTOR_REQUIRED",
    );
    expect(await app.prisma.secondFactor.count({ where: { userId: account.user.id } })).toBe(1);
  });
});

describe("wrong codes and the login limits", () => {
  // Client addresses come through one trusted proxy, so that each request can come from anywhere.
  const app = useTestServer({ LOGIN_MAX_FAILURES_PER_ACCOUNT: "4", TRUST_PROXY_HOPS: "1" }, now);

  /** A client address never seen before, so that no per-address limit is near. */
  const freshIp = () => `2001:db8:${crypto.randomBytes(6).toString("hex").match(/.{4}/g)!.join(":")}::1`;
  const from = (ip: string) => ({ "x-forwarded-for": ip });

  test("wrong codes count per account like wrong passwords, and logging in again with the password does not reset the count", async () => {
    const account = await signUp(app.url);
    const { secret } = await enrollTotp(app.url, account.accessToken, now());
    nextStep();
    const login = async () =>
      (await graphql(app.url, LoginTwoStepDocument, { input: { email: account.user.email, password: PASSWORD } })).data!.login;
    const wrong = (token: string) => graphql(app.url, VerifySecondFactorDocument, { code: "000000" }, { token });

    // Counted: the login (its factor is still to come), the wrong code, the login again (which
    // resets nothing), the wrong code again; the fifth attempt is over the limit of four.
    const level1 = await login();
    expect((await wrong(level1.accessToken)).errors![0]!.extensions!.reason).toBe("WRONG_CODE");
    const again = await login();
    expect((await wrong(again.accessToken)).errors![0]!.extensions!.reason).toBe("WRONG_CODE");
    const refused = await wrong(again.accessToken);
    expect(refused.errors![0]!.extensions).toMatchObject({ code: "TOO_MANY_REQUESTS", reason: "LOGIN_ATTEMPTS" });
    // Even the right code waits now, as a right password would.
    const right = await graphql(app.url, VerifySecondFactorDocument, { code: codeAt(secret, now()) }, { token: again.accessToken });
    expect(right.errors![0]!.extensions).toMatchObject({ code: "TOO_MANY_REQUESTS", reason: "LOGIN_ATTEMPTS" });
  });

  test("a guesser with the password gets the account's few tries however many addresses it uses; the owner's own address still gets in", async () => {
    const ownersAddress = freshIp();
    const account = await signUp(app.url, {}, from(ownersAddress));
    const { secret } = await enrollTotp(app.url, account.accessToken, now());
    nextStep();
    const guess = async () => {
      const login = await graphql(
        app.url,
        LoginTwoStepDocument,
        { input: { email: account.user.email, password: PASSWORD } },
        {
          headers: from(freshIp()),
        },
      );
      if (!login.data) return login.errors![0]!.extensions!.reason;
      const wrong = await graphql(
        app.url,
        VerifySecondFactorDocument,
        { code: "000000" },
        {
          token: login.data.login.accessToken,
          headers: from(freshIp()),
        },
      );
      return wrong.errors![0]!.extensions!.reason;
    };
    // Each guess is a login and a code, two attempts on the account's count from unknown
    // addresses: two guesses fill the limit of four, and the third is refused at its login.
    expect([await guess(), await guess(), await guess()]).toEqual(["WRONG_CODE", "WRONG_CODE", "LOGIN_ATTEMPTS"]);

    // The owner, from the address the account knows, has a count of their own.
    const level1 = await graphql(
      app.url,
      LoginTwoStepDocument,
      { input: { email: account.user.email, password: PASSWORD } },
      {
        headers: from(ownersAddress),
      },
    );
    const verified = await graphql(
      app.url,
      VerifySecondFactorDocument,
      { code: codeAt(secret, now()) },
      {
        token: level1.data!.login.accessToken,
        headers: from(ownersAddress),
      },
    );
    expect(verified.data!.verifySecondFactor.secondFactorRequired).toBe(false);
  });
});
