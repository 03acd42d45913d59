import fs from "node:fs";
import path from "node:path";
import type { RunningApp } from "../../src/app";
import { LINKS_VOIDED_BY, type ControlEvent } from "../../src/auth/tokens/pendingLinks";
import type { EmailTokenPurpose } from "../../src/generated/prisma/client";
import { PROJECT_ROOT } from "../../src/projectRoot";
import {
  ConfirmEmailChangeDocument,
  DisableTotpDocument,
  DisableUserDocument,
  EnableUserDocument,
  RequestEmailChangeDocument,
  RemoveUserSecondFactorDocument,
  RequestPasswordResetDocument,
  ResetPasswordDocument,
  VerifyEmailDocument,
} from "../support/generated/graphql";
import {
  CHANGE_PASSWORD,
  graphql,
  LOGOUT_ALL,
  PASSWORD,
  signUp,
  uniqueEmail,
  type AuthPayload,
  type GraphQLResponse,
} from "../support/graphqlClient";
import { enrollTotp } from "../support/secondFactor";
import { linkToken, startSmtpServer, type TestSmtpServer } from "../support/smtpServer";
import { startTestServer } from "../support/testServer";

// A link mailed before an event that re-establishes who controls the account, used after it.
// The table of docs/security.md says, per event and link purpose, whether the link still works;
// each of its cells is a test here, through HTTP and a real SMTP server.

type Cell = "voided" | "kept";

const TABLE_SECTION = "\n## Mailed links after a credential event\n";

/** The event × purpose table of docs/security.md, cell by cell. */
function documentedTable(): Array<[ControlEvent, EmailTokenPurpose, Cell]> {
  const text = fs.readFileSync(path.join(PROJECT_ROOT, "docs/security.md"), "utf8");
  const start = text.indexOf(TABLE_SECTION);
  if (start < 0) throw new Error("docs/security.md has no section on mailed links after a credential event");
  const lines = text.slice(start, text.indexOf("\n## ", start + 1)).split("\n");
  const header = lines.find((line) => line.startsWith("| event |"))!;
  const purposes = [...header.matchAll(/`(\w+)` link/g)].map((match) => match[1] as EmailTokenPurpose);
  return lines
    .filter((line) => /^\| `[A-Z_]+`/.test(line))
    .flatMap((line) => {
      const [event, ...cells] = line
        .split("|")
        .slice(1, -1)
        .map((cell) => cell.trim());
      return cells.map((cell, index): [ControlEvent, EmailTokenPurpose, Cell] => [
        /^`(\w+)`/.exec(event!)![1] as ControlEvent,
        purposes[index]!,
        cell as Cell,
      ]);
    });
}

const CELLS = documentedTable();
const NEW_PASSWORD = "a brand new passphrase";
/** The events that remove a second factor happen to an account that has had one since before the link was asked for. */
const FACTOR_BEFORE_THE_LINK: ReadonlySet<ControlEvent> = new Set(["FACTOR_REMOVED", "FACTOR_REMOVED_BY_ADMIN"]);

/** What using a link gave: ACCEPTED, or the reason it was refused. */
function outcome(response: GraphQLResponse): string {
  const error = response.errors?.[0];
  return error ? String(error.extensions?.reason ?? error.extensions?.code) : "ACCEPTED";
}

describe("mailed links after a credential event", () => {
  let smtp: TestSmtpServer;
  let app: RunningApp;
  let admin: AuthPayload;
  /** The recovery codes of the accounts given a second factor before their link, by user id. */
  const recoveryCodes = new Map<string, string[]>();

  beforeAll(async () => {
    smtp = await startSmtpServer();
    app = await startTestServer({ SMTP_URL: smtp.url });
    admin = await signUp(app.url, { name: "Admin" });
    await app.prisma.user.update({ where: { id: admin.user.id }, data: { role: "ADMIN" } });
  });
  afterAll(async () => {
    await app?.stop();
    await smtp?.stop();
  });

  /** The token of the next mail to `address` with a link to `page`, skipping notices and other links. */
  async function linkMailedTo(address: string, page: string): Promise<string> {
    for (;;) {
      const mail = await smtp.nextMailTo(address);
      if (mail.text?.includes(`${page}?token=`)) return linkToken(mail);
    }
  }

  /** Asks for a link of the purpose (signup has mailed the verification link already) and returns its token. */
  const pendingLink: Record<EmailTokenPurpose, (account: AuthPayload) => Promise<string>> = {
    VERIFY_EMAIL: (account) => linkMailedTo(account.user.email, "/verify-email"),
    RESET_PASSWORD: async (account) => {
      await graphql(app.url, RequestPasswordResetDocument, { email: account.user.email });
      return linkMailedTo(account.user.email, "/reset-password");
    },
    CHANGE_EMAIL: async (account) => {
      const newEmail = uniqueEmail("kept-link");
      const request = await graphql(
        app.url,
        RequestEmailChangeDocument,
        { newEmail, currentPassword: PASSWORD },
        { token: account.accessToken },
      );
      expect(request.errors).toBeUndefined();
      return linkMailedTo(newEmail, "/confirm-email-change");
    },
  };

  /** Uses a link's token as its page would. */
  const useLink: Record<EmailTokenPurpose, (token: string) => Promise<string>> = {
    VERIFY_EMAIL: async (token) => outcome(await graphql(app.url, VerifyEmailDocument, { token })),
    RESET_PASSWORD: async (token) =>
      outcome(await graphql(app.url, ResetPasswordDocument, { token, newPassword: "the link holder's pick" })),
    CHANGE_EMAIL: async (token) => outcome(await graphql(app.url, ConfirmEmailChangeDocument, { token })),
  };

  /** Makes the event happen to the account, the way its user (or an admin) does. */
  const event: Record<ControlEvent, (account: AuthPayload) => Promise<unknown>> = {
    PASSWORD_CHANGED: (account) =>
      graphql(
        app.url,
        CHANGE_PASSWORD,
        { input: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD } },
        { token: account.accessToken },
      ),
    PASSWORD_RESET: async (account) => {
      await graphql(app.url, RequestPasswordResetDocument, { email: account.user.email });
      const token = await linkMailedTo(account.user.email, "/reset-password");
      return graphql(app.url, ResetPasswordDocument, { token, newPassword: NEW_PASSWORD });
    },
    LOGOUT_ALL: (account) => graphql(app.url, LOGOUT_ALL, {}, { token: account.accessToken }),
    // Enabled again, so that the link's refusal is about the link, not the account.
    ACCOUNT_DISABLED: async (account) => {
      await graphql(app.url, DisableUserDocument, { id: account.user.id }, { token: admin.accessToken });
      return graphql(app.url, EnableUserDocument, { id: account.user.id }, { token: admin.accessToken });
    },
    EMAIL_CHANGED: async (account) => {
      const newEmail = uniqueEmail("moved");
      await graphql(app.url, RequestEmailChangeDocument, { newEmail, currentPassword: PASSWORD }, { token: account.accessToken });
      const token = await linkMailedTo(newEmail, "/confirm-email-change");
      return graphql(app.url, ConfirmEmailChangeDocument, { token });
    },
    FACTOR_ADDED: (account) => enrollTotp(app.url, account.accessToken),
    FACTOR_REMOVED: (account) =>
      graphql(app.url, DisableTotpDocument, { code: recoveryCodes.get(account.user.id)![0]! }, { token: account.accessToken }),
    FACTOR_REMOVED_BY_ADMIN: (account) =>
      graphql(app.url, RemoveUserSecondFactorDocument, { id: account.user.id }, { token: admin.accessToken }),
  };

  test("the documented table has a cell for every event and purpose, and says what the code does", () => {
    const events = Object.keys(LINKS_VOIDED_BY) as ControlEvent[];
    expect(CELLS).toHaveLength(events.length * Object.keys(useLink).length);
    for (const [eventName, purpose, cell] of CELLS) {
      expect([eventName, purpose, cell]).toEqual([eventName, purpose, LINKS_VOIDED_BY[eventName].includes(purpose) ? "voided" : "kept"]);
    }
  });

  test.each(CELLS)("%s, then a %s link mailed before it: %s", async (eventName, purpose, cell) => {
    const account = await signUp(app.url);
    if (FACTOR_BEFORE_THE_LINK.has(eventName)) {
      // Turning it on leaves the session verified just now, as the requests for links ask of it.
      recoveryCodes.set(account.user.id, (await enrollTotp(app.url, account.accessToken)).recoveryCodes);
    }
    const token = await pendingLink[purpose](account);
    const happened = await event[eventName](account);
    if (happened && typeof happened === "object" && "errors" in happened) expect((happened as GraphQLResponse).errors).toBeUndefined();
    expect(await useLink[purpose](token)).toBe(cell === "voided" ? "LINK_USED" : "ACCEPTED");
  });
});
