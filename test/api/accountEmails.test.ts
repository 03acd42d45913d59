import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { simpleParser, type ParsedMail } from "mailparser";
import pg from "pg";
import type { RunningApp } from "../../src/app";
import { captureLogs } from "../support/capturedLogs";
import {
  ConfirmEmailChangeDocument,
  MyEmailDocument,
  RequestEmailChangeDocument,
  RequestPasswordResetDocument,
  ResendVerificationDocument,
  ResetPasswordDocument,
  VerifyEmailDocument,
} from "../support/generated/graphql";
import { CHANGE_PASSWORD, graphql, LOGIN, ME, PASSWORD, signUp, uniqueEmail, type GraphQLResponse } from "../support/graphqlClient";
import { linkToken, startSmtpServer, type TestSmtpServer } from "../support/smtpServer";
import { startTestServer } from "../support/testServer";
import { EVENT_DEADLINE_MS } from "../support/timeouts";
import { waitUntil } from "../support/waitUntil";

const APP_URL = "https://app.example.com/account";
const NEW_PASSWORD = "a brand new passphrase";
/** A token of the right shape that the server never mailed. */
const FORGED_TOKEN = "A".repeat(43);

/** The code and reason of a refused answer, or the data's value for an accepted one. */
function outcome(response: GraphQLResponse): unknown {
  const error = response.errors?.[0];
  if (error) return { code: error.extensions?.code, reason: error.extensions?.reason, field: error.extensions?.field };
  return response.data;
}

const refused = (code: string, reason: string, field?: string) =>
  field === undefined ? { code, reason, field: undefined } : { code, reason, field };

// Every flow end to end, through HTTP and a real SMTP server in this process: what a user
// receives, what the links do, and how each goes wrong.
describe("account mail through SMTP", () => {
  let smtp: TestSmtpServer;
  let app: RunningApp;
  let clockOffsetMs = 0;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    app = await startTestServer(
      { SMTP_URL: smtp.url, APP_URL: `${APP_URL}/`, MAIL_FROM: "Accounts <accounts@example.com>", ACCOUNT_MAIL_MAX_PER_USER: "2" },
      () => Date.now() + clockOffsetMs,
    );
  });
  afterAll(async () => {
    await app?.stop();
    await smtp?.stop();
  });
  afterEach(() => {
    clockOffsetMs = 0;
  });

  /** Signs up and takes the verification mail that signup sends. */
  async function signUpWithMail(overrides: { email?: string; name?: string } = {}) {
    const account = await signUp(app.url, overrides);
    const mail = await smtp.nextMailTo(account.user.email);
    return { ...account, verificationMail: mail };
  }

  describe("email verification", () => {
    test("signup mails a link from APP_URL, in text and HTML; the link verifies the email once", async () => {
      const { user, accessToken, verificationMail: mail } = await signUpWithMail({ name: "Ada <b>Lovelace</b>" });
      expect(mail.subject).toBe("Verify your email address");
      expect(mail.from?.text).toBe('"Accounts" <accounts@example.com>');
      const token = linkToken(mail);
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(mail.text).toContain(`${APP_URL}/verify-email?token=${token}`);
      expect(mail.html).toContain(`href="${APP_URL}/verify-email?token=${token}"`);
      // The address is not proven to be the user's yet: nothing the user wrote, such as the name, is in the mail.
      expect(mail.text).not.toContain("Lovelace");
      expect(mail.html).not.toContain("Lovelace");
      // Only the hash is stored.
      const stored = await app.prisma.emailToken.findFirstOrThrow({ where: { userId: user.id } });
      expect(stored.tokenHash).not.toContain(token);
      expect(JSON.stringify(stored)).not.toContain(token);

      expect(outcome(await graphql(app.url, MyEmailDocument, {}, { token: accessToken }))).toEqual({
        me: { email: user.email, emailVerified: false },
      });
      expect(outcome(await graphql(app.url, VerifyEmailDocument, { token }))).toEqual({ verifyEmail: true });
      expect(outcome(await graphql(app.url, MyEmailDocument, {}, { token: accessToken }))).toEqual({
        me: { email: user.email, emailVerified: true },
      });
      expect(outcome(await graphql(app.url, VerifyEmailDocument, { token }))).toEqual(refused("BAD_USER_INPUT", "LINK_USED", "token"));
    });

    test("a forged, malformed or expired token is refused with its reason", async () => {
      const { verificationMail, user, accessToken } = await signUpWithMail();
      const token = linkToken(verificationMail);
      for (const bad of [FORGED_TOKEN, "short", `${token}x`]) {
        expect(outcome(await graphql(app.url, VerifyEmailDocument, { token: bad }))).toEqual(
          refused("BAD_USER_INPUT", "LINK_INVALID", "token"),
        );
      }
      // Text that is not Unicode is refused before any link is looked at, as in every argument.
      expect(outcome(await graphql(app.url, VerifyEmailDocument, { token: "\ud800".repeat(43) }))).toEqual(
        refused("BAD_USER_INPUT", "INVALID", "token"),
      );
      clockOffsetMs = 24 * 3600_000 + 1000;
      expect(outcome(await graphql(app.url, VerifyEmailDocument, { token }))).toEqual(refused("BAD_USER_INPUT", "LINK_EXPIRED", "token"));
      clockOffsetMs = 0;
      expect(outcome(await graphql(app.url, MyEmailDocument, {}, { token: accessToken }))).toEqual({
        me: { email: user.email, emailVerified: false },
      });
    });

    test("resendVerification mails a new link, up to the per-user limit, and nothing once verified", async () => {
      const { user, accessToken } = await signUpWithMail();
      expect(outcome(await graphql(app.url, ResendVerificationDocument, {}, { token: accessToken }))).toEqual({ resendVerification: true });
      const resent = await smtp.nextMailTo(user.email);
      expect(outcome(await graphql(app.url, ResendVerificationDocument, {}, { token: accessToken }))).toEqual({ resendVerification: true });
      await smtp.nextMailTo(user.email);
      const third = await graphql(app.url, ResendVerificationDocument, {}, { token: accessToken });
      expect(outcome(third)).toEqual(refused("TOO_MANY_REQUESTS", "ACCOUNT_MAIL_REQUESTS"));
      expect(third.errors![0]!.extensions!.retryAfterSeconds).toBeGreaterThan(0);

      // Any of the links works (the first was not spent by sending newer ones).
      expect(outcome(await graphql(app.url, VerifyEmailDocument, { token: linkToken(resent) }))).toEqual({ verifyEmail: true });
      await app.prisma.loginRateLimit.deleteMany({ where: { key: { contains: user.id } } });
      expect(outcome(await graphql(app.url, ResendVerificationDocument, {}, { token: accessToken }))).toEqual({
        resendVerification: false,
      });
    });
  });

  describe("mail to an address not proven to be the user's", () => {
    const LURE = "Security: account locked, unlock at <b>https://evil.example/unlock</b>";
    const carriesLure = (mail: ParsedMail) =>
      [mail.subject ?? "", mail.text ?? "", mail.html || ""].some((part) => part.includes("evil.example"));

    test("carries no text the user chose (the name, a new address); once the address is verified, the user's own mail greets them by name", async () => {
      const { user, accessToken, verificationMail } = await signUpWithMail({ name: LURE });
      const other = await signUpWithMail();
      expect(carriesLure(verificationMail)).toBe(false);
      expect(verificationMail.text).toMatch(/^Hello,\n/);

      await graphql(app.url, RequestPasswordResetDocument, { email: user.email });
      const reset = await smtp.nextMailTo(user.email);
      expect(reset.subject).toBe("Reset your password");
      expect(carriesLure(reset)).toBe(false);

      const newEmail = uniqueEmail("moved");
      const ask = (address: string) =>
        graphql(app.url, RequestEmailChangeDocument, { newEmail: address, currentPassword: PASSWORD }, { token: accessToken });
      expect(outcome(await ask(newEmail))).toEqual({ requestEmailChange: true });
      const link = await smtp.nextMailTo(newEmail);
      expect(link.subject).toBe("Confirm your new email address");
      expect(carriesLure(link)).toBe(false);
      // The old address is not proven either: the new address, which the asker chose, is not named.
      const changeNotice = await smtp.nextMailTo(user.email);
      expect(carriesLure(changeNotice)).toBe(false);
      expect(changeNotice.text).not.toContain(newEmail);

      expect(outcome(await ask(other.user.email))).toEqual({ requestEmailChange: true });
      const takenNotice = await smtp.nextMailTo(other.user.email);
      expect(takenNotice.subject).toBe("Someone tried to use your email address");
      expect(carriesLure(takenNotice)).toBe(false);
      await smtp.nextMailTo(user.email);

      // Proven: the user's own mailbox gets their own words back, as text, never as markup.
      expect(outcome(await graphql(app.url, VerifyEmailDocument, { token: linkToken(verificationMail) }))).toEqual({ verifyEmail: true });
      await graphql(app.url, RequestPasswordResetDocument, { email: user.email });
      const provenReset = await smtp.nextMailTo(user.email);
      expect(provenReset.text).toContain(`Hello ${LURE},`);
      expect(provenReset.html).toContain("Hello Security: account locked, unlock at &#60;b&#62;https://evil.example/unlock&#60;/b&#62;,");
      await app.prisma.loginRateLimit.deleteMany({ where: { key: { contains: user.id } } });
      const laterEmail = uniqueEmail("later");
      expect(outcome(await ask(laterEmail))).toEqual({ requestEmailChange: true });
      await smtp.nextMailTo(laterEmail);
      expect((await smtp.nextMailTo(user.email)).text).toContain(laterEmail);
    });
  });

  describe("password reset", () => {
    test("the mailed link sets a new password, ends every session and signs the caller in afresh; it works once", async () => {
      const { user, accessToken } = await signUpWithMail();
      expect(outcome(await graphql(app.url, RequestPasswordResetDocument, { email: `  ${user.email.toUpperCase()} ` }))).toEqual({
        requestPasswordReset: true,
      });
      const mail = await smtp.nextMailTo(user.email);
      expect(mail.subject).toBe("Reset your password");
      const token = linkToken(mail);
      expect(mail.text).toContain(`${APP_URL}/reset-password?token=${token}`);
      expect(mail.html).toContain(`href="${APP_URL}/reset-password?token=${token}"`);
      expect(mail.text).toContain("1 hour");

      const reset = await graphql(app.url, ResetPasswordDocument, { token, newPassword: NEW_PASSWORD });
      // The link reached the account's address, so the reset verifies it too.
      expect(reset.data?.resetPassword.user).toEqual({ id: user.id, email: user.email, emailVerified: true });
      const fresh = reset.data!.resetPassword.accessToken;

      expect(outcome(await graphql(app.url, ME, {}, { token: accessToken }))).toEqual(refused("UNAUTHENTICATED", "SESSION_ENDED"));
      expect(outcome(await graphql(app.url, ME, {}, { token: fresh }))).toMatchObject({ me: { id: user.id } });
      expect(outcome(await graphql(app.url, LOGIN, { input: { email: user.email, password: PASSWORD } }))).toEqual(
        refused("UNAUTHENTICATED", "INVALID_CREDENTIALS"),
      );
      expect(outcome(await graphql(app.url, LOGIN, { input: { email: user.email, password: NEW_PASSWORD } }))).toMatchObject({
        login: { user: { id: user.id } },
      });
      const ended = await app.prisma.session.findMany({ where: { userId: user.id, revokedReason: "PASSWORD_RESET" } });
      expect(ended).toHaveLength(1);

      expect(outcome(await graphql(app.url, ResetPasswordDocument, { token, newPassword: "yet another passphrase" }))).toEqual(
        refused("BAD_USER_INPUT", "LINK_USED", "token"),
      );
    });

    test("an unknown email gets the same answer and no mail", async () => {
      const unknown = uniqueEmail("nobody");
      const { user } = await signUpWithMail();
      expect(outcome(await graphql(app.url, RequestPasswordResetDocument, { email: unknown }))).toEqual({ requestPasswordReset: true });
      expect(outcome(await graphql(app.url, RequestPasswordResetDocument, { email: user.email }))).toEqual({ requestPasswordReset: true });
      await smtp.nextMailTo(user.email);
      // Every mail asked for so far has gone out or been dropped.
      await app.mailIdle();
      expect(smtp.mailTo(unknown)).toEqual([]);
    });

    test("the answer waits for nothing that depends on the account: it comes while the users table is locked", async () => {
      // Looking the account up, storing its token and mailing it all read or write "User" first.
      // With that table locked, an answer that waited for any of them would never come; one that
      // comes says the answer, and so its time, is the same whether or not the email has an account.
      const { user } = await signUpWithMail();
      const unknown = uniqueEmail("nobody");
      const locker = new pg.Client({ connectionString: app.databaseUrl });
      await locker.connect();
      try {
        await locker.query("BEGIN");
        // Should the answer wait after all, PostgreSQL ends this session and the other test files go on.
        await locker.query(`SET LOCAL idle_in_transaction_session_timeout = ${EVENT_DEADLINE_MS}`);
        await locker.query('LOCK TABLE "User" IN ACCESS EXCLUSIVE MODE');
        for (const email of [user.email, unknown]) {
          expect(outcome(await graphql(app.url, RequestPasswordResetDocument, { email }))).toEqual({ requestPasswordReset: true });
        }
        // The work behind the answers waits for the lock: only the signup's mail so far.
        expect(smtp.mailTo(user.email)).toHaveLength(1);
      } finally {
        await locker.query("ROLLBACK");
        await locker.end();
      }
      expect((await smtp.nextMailTo(user.email)).subject).toBe("Reset your password");
      await app.mailIdle();
      expect(smtp.mailTo(unknown)).toEqual([]);
    });

    test("a forged, expired, other-purpose or parallel second use of a token is refused", async () => {
      const { user, verificationMail } = await signUpWithMail();
      expect(outcome(await graphql(app.url, ResetPasswordDocument, { token: FORGED_TOKEN, newPassword: NEW_PASSWORD }))).toEqual(
        refused("BAD_USER_INPUT", "LINK_INVALID", "token"),
      );
      // A verification link is not a reset link.
      expect(
        outcome(await graphql(app.url, ResetPasswordDocument, { token: linkToken(verificationMail), newPassword: NEW_PASSWORD })),
      ).toEqual(refused("BAD_USER_INPUT", "LINK_INVALID", "token"));

      await graphql(app.url, RequestPasswordResetDocument, { email: user.email });
      const token = linkToken(await smtp.nextMailTo(user.email));
      // A policy failure does not spend the link.
      expect(outcome(await graphql(app.url, ResetPasswordDocument, { token, newPassword: "short" }))).toEqual(
        refused("BAD_USER_INPUT", "INVALID", "newPassword"),
      );
      expect(outcome(await graphql(app.url, ResetPasswordDocument, { token, newPassword: user.email }))).toEqual(
        refused("BAD_USER_INPUT", "INVALID", "newPassword"),
      );
      clockOffsetMs = 3600_000 + 1000;
      expect(outcome(await graphql(app.url, ResetPasswordDocument, { token, newPassword: NEW_PASSWORD }))).toEqual(
        refused("BAD_USER_INPUT", "LINK_EXPIRED", "token"),
      );
      clockOffsetMs = 0;

      const uses = await Promise.all(
        Array.from({ length: 4 }, (_, index) =>
          graphql(app.url, ResetPasswordDocument, { token, newPassword: `${NEW_PASSWORD} ${index}` }),
        ),
      );
      expect(uses.filter((use) => use.data?.resetPassword).length).toBe(1);
      expect(uses.filter((use) => use.data?.resetPassword === undefined).map(outcome)).toEqual(
        Array.from({ length: 3 }, () => refused("BAD_USER_INPUT", "LINK_USED", "token")),
      );
      expect(await app.prisma.session.count({ where: { userId: user.id, revokedAt: null } })).toBe(1);
    });

    test("a password change voids the reset links still pending", async () => {
      const { user, accessToken } = await signUpWithMail();
      await graphql(app.url, RequestPasswordResetDocument, { email: user.email });
      const pending = linkToken(await smtp.nextMailTo(user.email));
      const change = await graphql(
        app.url,
        CHANGE_PASSWORD,
        { input: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD } },
        { token: accessToken },
      );
      expect(change.errors).toBeUndefined();
      expect(outcome(await graphql(app.url, ResetPasswordDocument, { token: pending, newPassword: "yet another passphrase" }))).toEqual(
        refused("BAD_USER_INPUT", "LINK_USED", "token"),
      );
      expect((await graphql(app.url, LOGIN, { input: { email: user.email, password: NEW_PASSWORD } })).errors).toBeUndefined();
    });

    test("a newer reset link voids the older ones, before either is used", async () => {
      const { user } = await signUpWithMail();
      await graphql(app.url, RequestPasswordResetDocument, { email: user.email });
      const first = linkToken(await smtp.nextMailTo(user.email));
      await graphql(app.url, RequestPasswordResetDocument, { email: user.email });
      const second = linkToken(await smtp.nextMailTo(user.email));
      expect(outcome(await graphql(app.url, ResetPasswordDocument, { token: first, newPassword: NEW_PASSWORD }))).toEqual(
        refused("BAD_USER_INPUT", "LINK_USED", "token"),
      );
      expect(outcome(await graphql(app.url, ResetPasswordDocument, { token: second, newPassword: NEW_PASSWORD }))).toMatchObject({
        resetPassword: { user: { id: user.id } },
      });
    });

    test("requests are limited per email, whether or not it has an account", async () => {
      const { user } = await signUpWithMail();
      for (const email of [user.email, uniqueEmail("nobody")]) {
        for (let i = 0; i < 3; i++) {
          expect(outcome(await graphql(app.url, RequestPasswordResetDocument, { email }))).toEqual({ requestPasswordReset: true });
        }
        expect(outcome(await graphql(app.url, RequestPasswordResetDocument, { email }))).toEqual(
          refused("TOO_MANY_REQUESTS", "PASSWORD_RESET_REQUESTS"),
        );
      }
      for (let i = 0; i < 3; i++) await smtp.nextMailTo(user.email);
    });

    test("requests are limited per client address, over any emails", async () => {
      const limited = await startTestServer({ SMTP_URL: smtp.url, TRUST_PROXY_HOPS: "1", PASSWORD_RESET_MAX_PER_IP: "2" });
      try {
        const request = (ip: string) =>
          graphql(limited.url, RequestPasswordResetDocument, { email: uniqueEmail("nobody") }, { headers: { "x-forwarded-for": ip } });
        const address = `198.18.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
        expect(outcome(await request(address))).toEqual({ requestPasswordReset: true });
        expect(outcome(await request(address))).toEqual({ requestPasswordReset: true });
        expect(outcome(await request(address))).toEqual(refused("TOO_MANY_REQUESTS", "PASSWORD_RESET_REQUESTS"));
        expect(outcome(await request(`2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}::7`))).toEqual({
          requestPasswordReset: true,
        });
      } finally {
        await limited.stop();
      }
    });

    test("bad input is BAD_USER_INPUT naming the field", async () => {
      expect(outcome(await graphql(app.url, RequestPasswordResetDocument, { email: "not an email" }))).toEqual(
        refused("BAD_USER_INPUT", "INVALID", "email"),
      );
    });
  });

  describe("email change", () => {
    test("mails a link to the new address and a notice to the old; the email changes only when the link is used", async () => {
      const { user, accessToken } = await signUpWithMail();
      const newEmail = uniqueEmail("moved");
      const request = await graphql(
        app.url,
        RequestEmailChangeDocument,
        { newEmail: `  ${newEmail.toUpperCase()}`, currentPassword: PASSWORD },
        { token: accessToken },
      );
      expect(outcome(request)).toEqual({ requestEmailChange: true });
      const confirmation = await smtp.nextMailTo(newEmail);
      const notice = await smtp.nextMailTo(user.email);
      expect(confirmation.subject).toBe("Confirm your new email address");
      const token = linkToken(confirmation);
      expect(confirmation.html).toContain(`href="${APP_URL}/confirm-email-change?token=${token}"`);
      expect(notice.subject).toBe("Your email address is about to change");
      expect(notice.text).toContain("asked to change the email address of your account");
      expect(notice.text).not.toContain(token);

      // Nothing has changed yet.
      expect(outcome(await graphql(app.url, MyEmailDocument, {}, { token: accessToken }))).toEqual({
        me: { email: user.email, emailVerified: false },
      });

      expect(outcome(await graphql(app.url, ConfirmEmailChangeDocument, { token }))).toEqual({ confirmEmailChange: true });
      expect(outcome(await graphql(app.url, ME, {}, { token: accessToken }))).toEqual(refused("UNAUTHENTICATED", "SESSION_ENDED"));
      expect(outcome(await graphql(app.url, LOGIN, { input: { email: user.email, password: PASSWORD } }))).toEqual(
        refused("UNAUTHENTICATED", "INVALID_CREDENTIALS"),
      );
      const login = await graphql(app.url, LOGIN, { input: { email: newEmail.toUpperCase(), password: PASSWORD } });
      expect(login.data?.login.user).toMatchObject({ id: user.id, email: newEmail });
      expect(outcome(await graphql(app.url, MyEmailDocument, {}, { token: login.data!.login.accessToken }))).toEqual({
        me: { email: newEmail, emailVerified: true },
      });
      expect(outcome(await graphql(app.url, ConfirmEmailChangeDocument, { token }))).toEqual(
        refused("BAD_USER_INPUT", "LINK_USED", "token"),
      );
    });

    test("refuses a wrong password, an invalid or unchanged address, without mail", async () => {
      const { user, accessToken } = await signUpWithMail();
      const ask = (newEmail: string, currentPassword = PASSWORD) =>
        graphql(app.url, RequestEmailChangeDocument, { newEmail, currentPassword }, { token: accessToken }).then(outcome);
      const target = uniqueEmail("target");
      expect(await ask(target, "not the password")).toEqual(refused("BAD_USER_INPUT", "WRONG_PASSWORD", "currentPassword"));
      expect(await ask("no at sign")).toEqual(refused("BAD_USER_INPUT", "INVALID", "newEmail"));
      expect(await ask(user.email)).toEqual(refused("BAD_USER_INPUT", "INVALID", "newEmail"));
      expect(outcome(await graphql(app.url, RequestEmailChangeDocument, { newEmail: target, currentPassword: PASSWORD }))).toEqual(
        refused("UNAUTHENTICATED", "NOT_AUTHENTICATED"),
      );
      await app.mailIdle();
      expect(smtp.mailTo(target)).toEqual([]);
      // Only the verification mail of the signup.
      expect(smtp.mailTo(user.email)).toHaveLength(1);
    });

    test("a taken address gets the same answer as a free one; it is mailed a notice without a link instead", async () => {
      const { user, accessToken, verificationMail } = await signUpWithMail();
      // Verified, so that the notices to this address name the new one (a proven owner's own words).
      await graphql(app.url, VerifyEmailDocument, { token: linkToken(verificationMail) });
      const owner = await signUpWithMail();
      const free = uniqueEmail("free");
      const ask = (newEmail: string) =>
        graphql(app.url, RequestEmailChangeDocument, { newEmail, currentPassword: PASSWORD }, { token: accessToken });

      const [toTaken, toFree] = [await ask(owner.user.email.toUpperCase()), await ask(free)];
      // What the caller sees: the same answer, byte for byte, and the same notice at their own address.
      expect(toTaken.status).toBe(toFree.status);
      expect(toTaken.text).toBe(toFree.text);
      expect(outcome(toTaken)).toEqual({ requestEmailChange: true });
      // Either may arrive first: each is compared with the new address taken out.
      const notices = [await smtp.nextMailTo(user.email), await smtp.nextMailTo(user.email)].map((mail) => ({
        subject: mail.subject,
        text: mail.text!.replace(owner.user.email, "<new>").replace(free, "<new>"),
      }));
      expect(notices[0]!.text).toContain("<new>");
      expect(notices[0]).toEqual(notices[1]);

      // What the two new addresses get: a link for the free one, a notice with no link for the taken one.
      const link = await smtp.nextMailTo(free);
      expect(link.subject).toBe("Confirm your new email address");
      expect(link.text).toContain("/confirm-email-change?token=");
      const notice = await smtp.nextMailTo(owner.user.email);
      expect(notice.subject).toBe("Someone tried to use your email address");
      expect(notice.text).not.toMatch(/token=|https?:/);
      expect(notice.html).not.toMatch(/token=|href/);
      // Nothing of the asking account reaches the other one.
      expect(notice.text).not.toContain(user.email);
      expect(notice.text).not.toContain("Test User");

      // The per-user mail limit (2 on this server) holds for taken addresses too: no probing past it.
      expect(outcome(await ask(uniqueEmail("third")))).toEqual(refused("TOO_MANY_REQUESTS", "ACCOUNT_MAIL_REQUESTS"));
      expect(outcome(await ask(owner.user.email))).toEqual(refused("TOO_MANY_REQUESTS", "ACCOUNT_MAIL_REQUESTS"));
      expect((await graphql(app.url, MyEmailDocument, {}, { token: owner.accessToken })).data?.me.email).toBe(owner.user.email);
    });

    test("an address taken between request and confirmation is EMAIL_TAKEN, and the link stays unspent", async () => {
      const { accessToken } = await signUpWithMail();
      const newEmail = uniqueEmail("contested");
      await graphql(app.url, RequestEmailChangeDocument, { newEmail, currentPassword: PASSWORD }, { token: accessToken });
      const token = linkToken(await smtp.nextMailTo(newEmail));
      const squatter = await signUpWithMail({ email: newEmail });
      expect(outcome(await graphql(app.url, ConfirmEmailChangeDocument, { token }))).toEqual(
        refused("BAD_USER_INPUT", "EMAIL_TAKEN", "token"),
      );
      await app.prisma.user.delete({ where: { id: squatter.user.id } });
      expect(outcome(await graphql(app.url, ConfirmEmailChangeDocument, { token }))).toEqual({ confirmEmailChange: true });
    });

    test("a confirmed change voids the old address's verification and reset links", async () => {
      const { user, accessToken, verificationMail } = await signUpWithMail();
      await graphql(app.url, RequestPasswordResetDocument, { email: user.email });
      const resetToken = linkToken(await smtp.nextMailTo(user.email));
      const newEmail = uniqueEmail("moved");
      await graphql(app.url, RequestEmailChangeDocument, { newEmail, currentPassword: PASSWORD }, { token: accessToken });
      const token = linkToken(await smtp.nextMailTo(newEmail));
      expect(outcome(await graphql(app.url, ConfirmEmailChangeDocument, { token }))).toEqual({ confirmEmailChange: true });
      expect(outcome(await graphql(app.url, VerifyEmailDocument, { token: linkToken(verificationMail) }))).toEqual(
        refused("BAD_USER_INPUT", "LINK_USED", "token"),
      );
      expect(outcome(await graphql(app.url, ResetPasswordDocument, { token: resetToken, newPassword: NEW_PASSWORD }))).toEqual(
        refused("BAD_USER_INPUT", "LINK_USED", "token"),
      );
    });
  });
});

describe("REQUIRE_VERIFIED_EMAIL", () => {
  let smtp: TestSmtpServer;
  let app: RunningApp;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    app = await startTestServer({ SMTP_URL: smtp.url, REQUIRE_VERIFIED_EMAIL: "true" });
  });
  afterAll(async () => {
    await app?.stop();
    await smtp?.stop();
  });

  test("refuses the login of an unverified account with EMAIL_NOT_VERIFIED and mails a new link; a verified one logs in", async () => {
    const { user } = await signUp(app.url);
    await smtp.nextMailTo(user.email);
    const login = () => graphql(app.url, LOGIN, { input: { email: user.email, password: PASSWORD } });
    // A wrong password learns nothing about the account.
    expect(outcome(await graphql(app.url, LOGIN, { input: { email: user.email, password: "not the password" } }))).toEqual(
      refused("UNAUTHENTICATED", "INVALID_CREDENTIALS"),
    );
    expect(outcome(await login())).toEqual(refused("FORBIDDEN", "EMAIL_NOT_VERIFIED"));
    const token = linkToken(await smtp.nextMailTo(user.email));
    expect(outcome(await graphql(app.url, VerifyEmailDocument, { token }))).toEqual({ verifyEmail: true });
    expect(outcome(await login())).toMatchObject({ login: { user: { id: user.id } } });
  });
});

describe("mail delivery problems", () => {
  test("a mail server that is down changes no answer and is logged", async () => {
    const logs = captureLogs("info");
    const closed = await startSmtpServer();
    await closed.stop();
    const app = await startTestServer({ SMTP_URL: closed.url, LOG_LEVEL: "info" }, undefined, logs.logger);
    try {
      const { user, accessToken } = await signUp(app.url);
      expect(outcome(await graphql(app.url, RequestPasswordResetDocument, { email: user.email }))).toEqual({ requestPasswordReset: true });
      expect(outcome(await graphql(app.url, ResendVerificationDocument, {}, { token: accessToken }))).toEqual({ resendVerification: true });
      await waitUntil(() => logs.lines().filter((line) => line.msg === "mail not sent").length >= 3, "three mails are logged as not sent");
      expect(logs.text()).not.toMatch(/token=/);
      expect(outcome(await graphql(app.url, ME, {}, { token: accessToken }))).toMatchObject({ me: { id: user.id } });
    } finally {
      await app.stop();
    }
  });

  test("with no SMTP_URL, each message is an .eml file under DATA_DIR/mail and one log line with its path and link", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "auth-api-mail-"));
    const logs = captureLogs("info");
    const app = await startTestServer({ DATA_DIR: dataDir, LOG_LEVEL: "info" }, undefined, logs.logger);
    try {
      const { user } = await signUp(app.url);
      await waitUntil(() => logs.lines().some((line) => line.msg === "mail written to a file (no SMTP_URL)"), "the mail file is logged");
      const line = logs.lines().find((entry) => entry.msg === "mail written to a file (no SMTP_URL)")!;
      const file = line.file as string;
      expect(path.dirname(file)).toBe(path.join(dataDir, "mail"));
      const mail = await simpleParser(fs.readFileSync(file));
      expect(mail.to).toMatchObject({ text: user.email });
      expect(mail.html).toContain("/verify-email?token=");
      const token = linkToken(mail);
      expect(line.link).toBe(`http://localhost:4000/verify-email?token=${token}`);
      expect(outcome(await graphql(app.url, VerifyEmailDocument, { token }))).toEqual({ verifyEmail: true });
    } finally {
      await app.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
