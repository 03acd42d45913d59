import fs from "node:fs";
import path from "node:path";
import type { RunningApp } from "../../src/app";
import { LINKS_VOIDED_BY, type ControlEvent, type PendingLink } from "../../src/auth/tokens/pendingLinks";
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
  StartIdentityLinkDocument,
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
import { CookieJar, finishSignIn, fragment } from "../support/identitySignIn";
import { enrollTotp } from "../support/secondFactor";
import { linkToken, startSmtpServer, type TestSmtpServer } from "../support/smtpServer";
import { TestIdentityProvider } from "../support/testIdentityProvider";
import { startTestServer } from "../support/testServer";

// A link asked for before an event that re-establishes who controls the account, used after it.
// The table of docs/security.md says, per event and link, whether the link still works; each of
// its cells is a test here, through HTTP, a real SMTP server and a real OpenID provider.

type Cell = "voided" | "kept";
/** A column of the table: a pending link, or an identity link whose browser is at the provider when the event comes. */
type Column = PendingLink | "IDENTITY_LINK_AT_PROVIDER";

const TABLE_SECTION = "\n## Mailed links after a credential event\n";

/** The event × link table of docs/security.md, cell by cell. */
function documentedTable(): Array<[ControlEvent, Column, Cell]> {
  const text = fs.readFileSync(path.join(PROJECT_ROOT, "docs/security.md"), "utf8");
  const start = text.indexOf(TABLE_SECTION);
  if (start < 0) throw new Error("docs/security.md has no section on mailed links after a credential event");
  const lines = text.slice(start, text.indexOf("\n## ", start + 1)).split("\n");
  const header = lines.find((line) => line.startsWith("| event |"))!;
  const columns = header
    .split("|")
    .slice(2, -1)
    .map((cell) => `${/`(\w+)`/.exec(cell)![1]}${cell.trim().endsWith("at the provider") ? "_AT_PROVIDER" : ""}` as Column);
  return lines
    .filter((line) => /^\| `[A-Z_]+`/.test(line))
    .flatMap((line) => {
      const [event, ...cells] = line
        .split("|")
        .slice(1, -1)
        .map((cell) => cell.trim());
      return cells.map((cell, index): [ControlEvent, Column, Cell] => [
        /^`(\w+)`/.exec(event!)![1] as ControlEvent,
        columns[index]!,
        cell as Cell,
      ]);
    });
}

const CELLS = documentedTable();
const NEW_PASSWORD = "a brand new passphrase";
const APP_URL = "http://localhost:5173";
const linkOf = (column: Column): PendingLink => (column === "IDENTITY_LINK_AT_PROVIDER" ? "IDENTITY_LINK" : column);
/** The events that remove a second factor happen to an account that has had one since before the link was asked for. */
const FACTOR_BEFORE_THE_LINK: ReadonlySet<ControlEvent> = new Set(["FACTOR_REMOVED", "FACTOR_REMOVED_BY_ADMIN"]);

/** What using a link gave: ACCEPTED, or the reason it was refused. */
function outcome(response: GraphQLResponse): string {
  const error = response.errors?.[0];
  return error ? String(error.extensions?.reason ?? error.extensions?.code) : "ACCEPTED";
}

describe("mailed links after a credential event", () => {
  let smtp: TestSmtpServer;
  let provider: TestIdentityProvider;
  let app: RunningApp;
  let admin: AuthPayload;
  /** The recovery codes of the accounts given a second factor before their link, by user id. */
  const recoveryCodes = new Map<string, string[]>();

  beforeAll(async () => {
    smtp = await startSmtpServer();
    provider = await TestIdentityProvider.start();
    app = await startTestServer({ SMTP_URL: smtp.url, APP_URL, OIDC_PROVIDERS: JSON.stringify([provider.settings("test")]) });
    await provider.useKeys([`${new URL(app.url).origin}/auth/test/callback`]);
    admin = await signUp(app.url, { name: "Admin" });
    await app.prisma.user.update({ where: { id: admin.user.id }, data: { role: "ADMIN" } });
  });
  afterAll(async () => {
    await app?.stop();
    await provider?.close();
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

  /** A startIdentityLink URL of the account's, for a provider identity of its own. */
  async function identityLinkUrl(account: AuthPayload): Promise<URL> {
    const started = await graphql(app.url, StartIdentityLinkDocument, { provider: "test" }, { token: account.accessToken });
    expect(started.errors).toBeUndefined();
    const url = new URL(started.data!.startIdentityLink);
    url.searchParams.set("login_hint", uniqueEmail("linked-identity"));
    return url;
  }

  /** What the browser came back with from a link URL: ACCEPTED when the identity was linked, else the `#error=` reason. */
  async function followIdentityLink(url: URL, beforeCallback?: () => Promise<void>): Promise<string> {
    const back = fragment(
      await finishSignIn(new CookieJar(), url, APP_URL, async () => {
        await beforeCallback?.();
        return undefined;
      }),
    );
    return back.linked === "test" ? "ACCEPTED" : String(back.error);
  }

  /** A link of the column asked for, the event, then the link used: what using it gave. */
  const acrossEvent: Record<Column, (account: AuthPayload, eventHappens: () => Promise<void>) => Promise<string>> = {
    VERIFY_EMAIL: mailedAcrossEvent("VERIFY_EMAIL"),
    RESET_PASSWORD: mailedAcrossEvent("RESET_PASSWORD"),
    CHANGE_EMAIL: mailedAcrossEvent("CHANGE_EMAIL"),
    IDENTITY_LINK: async (account, eventHappens) => {
      const url = await identityLinkUrl(account);
      await eventHappens();
      return followIdentityLink(url);
    },
    // The browser has opened the URL and signed in at the provider; the event comes before the callback.
    IDENTITY_LINK_AT_PROVIDER: async (account, eventHappens) => followIdentityLink(await identityLinkUrl(account), eventHappens),
  };

  function mailedAcrossEvent(purpose: EmailTokenPurpose) {
    return async (account: AuthPayload, eventHappens: () => Promise<void>) => {
      const token = await pendingLink[purpose](account);
      await eventHappens();
      return useLink[purpose](token);
    };
  }

  /** What a voided link answers: a mailed one is spent, an identity link's flow was never started. */
  const VOIDED_ANSWER: Record<PendingLink, string> = {
    VERIFY_EMAIL: "LINK_USED",
    RESET_PASSWORD: "LINK_USED",
    CHANGE_EMAIL: "LINK_USED",
    IDENTITY_LINK: "INVALID_STATE",
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
    expect(CELLS).toHaveLength(events.length * Object.keys(acrossEvent).length);
    for (const [eventName, column, cell] of CELLS) {
      const voided = LINKS_VOIDED_BY[eventName].includes(linkOf(column));
      expect([eventName, column, cell]).toEqual([eventName, column, voided ? "voided" : "kept"]);
    }
  });

  test.each(CELLS)("%s, then the %s link from before it: %s", async (eventName, column, cell) => {
    const account = await signUp(app.url);
    if (FACTOR_BEFORE_THE_LINK.has(eventName)) {
      // Turning it on leaves the session verified just now, as the requests for links ask of it.
      recoveryCodes.set(account.user.id, (await enrollTotp(app.url, account.accessToken)).recoveryCodes);
    }
    const answer = await acrossEvent[column](account, async () => {
      const happened = await event[eventName](account);
      if (happened && typeof happened === "object" && "errors" in happened) expect((happened as GraphQLResponse).errors).toBeUndefined();
    });
    expect(answer).toBe(cell === "voided" ? VOIDED_ANSWER[linkOf(column)] : "ACCEPTED");
    if (linkOf(column) === "IDENTITY_LINK") expect(await app.prisma.userIdentity.count({ where: { userId: account.user.id } })).toBe(0);
  });
});
