import crypto from "node:crypto";
import type { RunningApp } from "../../src/app";
import { captureLogs } from "../support/capturedLogs";
import { RequestEmailChangeDocument, ResendVerificationDocument } from "../support/generated/graphql";
import { graphql, PASSWORD, signUp, uniqueEmail } from "../support/graphqlClient";
import { startSmtpServer, type TestSmtpServer } from "../support/smtpServer";
import { startTestServer } from "../support/testServer";
import { waitUntil } from "../support/waitUntil";

// Addresses stored before the mailbox grammar (src/mail/mailbox.ts) can hold what nodemailer reads
// as an address list or a display name: "a,b@example.com" went to b@example.com, who could then
// verify an address they do not own; "a<b>@example.com" went to the bare local recipient b. Such
// a row is made here the only way it can still exist, written straight into the table, and then
// every mail to it must go nowhere, through a real SMTP server.
describe("mail to a stored address outside the mailbox grammar", () => {
  let smtp: TestSmtpServer;
  let app: RunningApp;
  const logs = captureLogs("info");

  beforeAll(async () => {
    smtp = await startSmtpServer();
    app = await startTestServer({ SMTP_URL: smtp.url, LOG_LEVEL: "info" }, undefined, logs.logger);
  });
  afterAll(async () => {
    await app?.stop();
    await smtp?.stop();
  });

  /** A signed-up account whose email is then set, with SQL, to `legacy`; its verification mail already taken. */
  async function legacyAccount(legacy: string) {
    const account = await signUp(app.url);
    await smtp.nextMailTo(account.user.email);
    await app.prisma.$executeRaw`UPDATE "User" SET email = ${legacy} WHERE id = ${account.user.id}::uuid`;
    return account;
  }

  /** Waits until the mailer has logged `count` refused recipients in all; returns those lines. */
  async function refusedRecipients(count: number) {
    const refused = () =>
      logs.lines().filter((line) => line.msg === "mail not sent" && (line.err as { type?: string }).type === "RecipientError");
    await waitUntil(() => refused().length >= count, `${count} messages are refused for their recipient`);
    return refused();
  }

  test.each([
    ["a list: a,b@example.com", (id: string) => ({ stored: `a,b-${id}@example.com`, reachable: [`a@localhost`, `b-${id}@example.com`] })],
    [
      "a display name: a<b>@example.com",
      (id: string) => ({ stored: `a<b-${id}>@example.com`, reachable: [`b-${id}`, `b-${id}@localhost`] }),
    ],
    [
      'a quoted name: "a" <b>@example.com',
      (id: string) => ({ stored: `"a" <b-${id}>@example.com`, reachable: [`b-${id}`, `a@example.com`] }),
    ],
    ["a group: g:b@example.com;", (id: string) => ({ stored: `g:b-${id}@example.com;`, reachable: [`b-${id}@example.com`] })],
  ])("%s: resendVerification and an email change's notice reach nobody", async (_name, addresses) => {
    const id = crypto.randomUUID();
    const { stored, reachable } = addresses(id);
    const alreadyRefused = (await refusedRecipients(0)).length;
    const { accessToken } = await legacyAccount(stored);
    const receivedBefore = smtp.received.length;

    // The answers are what they always are: mail goes out after them.
    const resend = await graphql(app.url, ResendVerificationDocument, {}, { token: accessToken });
    expect(resend.data).toEqual({ resendVerification: true });
    const newEmail = uniqueEmail("moved");
    const change = await graphql(app.url, RequestEmailChangeDocument, { newEmail, currentPassword: PASSWORD }, { token: accessToken });
    expect(change.data).toEqual({ requestEmailChange: true });

    // The link to the new, valid address goes out; the verification and the notice to the stored one do not.
    await smtp.nextMailTo(newEmail);
    const refused = (await refusedRecipients(alreadyRefused + 2)).slice(alreadyRefused);
    expect(refused).toHaveLength(2);
    expect(smtp.received.slice(receivedBefore).map((mail) => mail.to)).toEqual([newEmail]);
    for (const address of reachable) expect(smtp.mailTo(address)).toEqual([]);
    // The log says what was refused, not the address.
    expect(refused[0]!.err).toMatchObject({ type: "RecipientError", code: "RECIPIENT_NOT_A_MAILBOX" });
    expect(logs.text()).not.toContain(id);
  });
});
