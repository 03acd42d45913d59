import { AuthFailure, AuthenticationError, ForbiddenError, ForbiddenReason, InputError } from "../../errors";
import { Prisma, type PrismaClient } from "../../generated/prisma/client";
import type { Mailer } from "../../mail/mailer";
import { sessionEnded } from "../sessions/lifecycle";
import type { Caller, ClientInfo } from "../types";
import { lockUser, lockUserOfCaller } from "../sessions/userLock";
import { voidPendingLinks } from "../tokens/pendingLinks";
import { recordSecurityEvents } from "../securityEvents/recording";
import { accountAddress, type AccountMessages } from "./accountMessages";
import type { CurrentPasswordCheck } from "../passwords/currentPasswordCheck";
import type { EmailTokens } from "../tokens/emailTokens";
import { validateOfferedPassword } from "../passwords/validation";
import { validateEmail } from "../users/validation";
import type { UserMailRateLimiter } from "../limits/mailRateLimiters";

export interface EmailChangeDeps {
  prisma: PrismaClient;
  currentPassword: CurrentPasswordCheck;
  tokens: EmailTokens;
  messages: AccountMessages;
  mailer: Mailer;
  userMailLimiter: UserMailRateLimiter;
  now: () => number;
}

const emailTaken = (field: string) => new InputError(field, "An account with this email already exists.", "EMAIL_TAKEN");

/**
 * A new email address for an account. It takes the current password to ask, and the link mailed to
 * the new address to happen; the old address is told. Until the link is used nothing changes.
 */
export class EmailChange {
  constructor(private readonly deps: EmailChangeDeps) {}

  /**
   * Answers true whether or not the new address has an account, after the same work for both
   * (checks, the password, the mail limit, storing a token): whether it is taken is looked up only
   * after the answer, in the background. A taken address gets a notice instead of the link, so
   * the answer is no oracle for which addresses are registered (docs/security.md, "Mailed links").
   */
  async request(caller: Caller, rawNewEmail: string, currentPassword: string, client: ClientInfo): Promise<true> {
    const { prisma, currentPassword: passwordCheck, tokens, messages, mailer, userMailLimiter, now } = this.deps;
    const { user } = caller;
    // The rules of signup: the same normal form, so the same uniqueness.
    const newEmail = validateEmail(rawNewEmail, "newEmail");
    validateOfferedPassword(currentPassword, "currentPassword");
    if (newEmail === user.email) throw new InputError("newEmail", "This is already your email address.");
    await passwordCheck.confirm(caller, currentPassword, client);
    await userMailLimiter.take(user.id);
    // Stored before the answer, under the user's lock, and only while the caller's session still
    // holds: an event that voids pending links (tokens/pendingLinks.ts) and commits after this
    // request was authenticated either ended the session (refused here) or finds the link stored.
    // Stored for a taken address too, so that the answer waits for the same work; that token is
    // never mailed, and could not be confirmed anyway (the address has its account).
    const token = await prisma.$transaction(async (tx) => {
      if (!(await lockUserOfCaller(tx, caller, now()))) return undefined;
      const issued = await tokens.issueWithin(tx, user.id, "CHANGE_EMAIL", newEmail);
      await recordSecurityEvents(tx, now(), [
        { kind: "EMAIL_CHANGE_REQUESTED", userId: user.id, actorId: user.id, sessionId: caller.sessionId, client, detail: { newEmail } },
      ]);
      return issued;
    });
    if (token === undefined) throw new AuthenticationError(AuthFailure.SESSION_ENDED);
    mailer.sendInBackground(async () => {
      const taken = (await prisma.user.findUnique({ where: { email: newEmail }, select: { id: true } })) !== null;
      return [
        taken ? messages.addressAlreadyRegistered(newEmail) : messages.confirmEmailChange(newEmail, token, tokens.ttlOf("CHANGE_EMAIL")),
        // The same notice either way: whoever reads the old mailbox learns nothing about the new address either.
        messages.emailChangeRequested(accountAddress(user), newEmail),
      ];
    });
    return true;
  }

  /**
   * Makes the link's address the account's, verified, and ends every session: the address is how
   * the account logs in and resets its password, so whoever was signed in before signs in again.
   */
  async confirm(token: string, client: ClientInfo): Promise<true> {
    const { prisma, tokens, now } = this.deps;
    const found = await tokens.find("CHANGE_EMAIL", token);
    // Asked for before an admin disabled the account: it stays as it is until enabled.
    if (found.user.disabledAt !== null) throw new ForbiddenError(ForbiddenReason.ACCOUNT_DISABLED);
    try {
      await prisma.$transaction(async (tx) => {
        // The user row first, then tokens and sessions: the order of every such transaction (sessions/userLock.ts).
        await lockUser(tx, found.userId);
        await tokens.consume(tx, found);
        // Links to the old address (verification, reset) and other pending changes are void now.
        await voidPendingLinks(tx, found.userId, "EMAIL_CHANGED", now());
        await tx.user.update({
          where: { id: found.userId },
          data: { email: found.email, emailVerifiedAt: new Date(now()), tokenVersion: { increment: 1 } },
        });
        await tx.session.updateMany({ where: { userId: found.userId, revokedAt: null }, data: sessionEnded("EMAIL_CHANGED", now()) });
        // The link's holder proved the new mailbox and acted as the user.
        await recordSecurityEvents(tx, now(), [
          {
            kind: "EMAIL_CHANGED",
            userId: found.userId,
            actorId: found.userId,
            client,
            detail: { from: found.user.email, to: found.email },
          },
        ]);
      });
    } catch (error) {
      // Someone signed up with the address after the request: the unique index decides, and the
      // rolled-back transaction leaves the link unspent.
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") throw emailTaken("token");
      throw error;
    }
    return true;
  }
}
