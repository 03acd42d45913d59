import type { PrismaClient, User } from "../../generated/prisma/client";
import type { Mailer } from "../../mail/mailer";
import type { AccountMessages } from "./accountMessages";
import type { EmailTokens } from "../tokens/emailTokens";
import type { UserMailRateLimiter } from "../limits/mailRateLimiters";
import { lockUser } from "../sessions/userLock";
import { recordSecurityEvents } from "../securityEvents/recording";
import type { ClientInfo } from "../types";

export interface EmailVerificationDeps {
  prisma: PrismaClient;
  tokens: EmailTokens;
  messages: AccountMessages;
  mailer: Mailer;
  userMailLimiter: UserMailRateLimiter;
  now: () => number;
}

/** Proof that a user receives mail at their account's address: a link mailed to it, opened. */
export class EmailVerification {
  constructor(private readonly deps: EmailVerificationDeps) {}

  /** Mails a verification link to the user's address, after the caller has its answer. */
  sendLink(user: Pick<User, "id" | "email">): void {
    const { tokens, messages, mailer } = this.deps;
    mailer.sendInBackground(async () => {
      const token = await tokens.issue(user.id, "VERIFY_EMAIL", user.email);
      return messages.verifyEmail(user.email, token, tokens.ttlOf("VERIFY_EMAIL"));
    });
  }

  /** A new link for a signed-in user; false, and no mail, when the email is verified already. */
  async resend(user: User): Promise<boolean> {
    if (user.emailVerifiedAt !== null) return false;
    await this.deps.userMailLimiter.take(user.id);
    this.sendLink(user);
    return true;
  }

  /** For a login refused for want of verification: a new link, unless the user has had their share. */
  async resendQuietly(user: User): Promise<void> {
    if (await this.deps.userMailLimiter.tryTake(user.id)) this.sendLink(user);
  }

  /** Marks the address the link was sent to as verified, if it is still the account's. */
  async verify(token: string, client: ClientInfo): Promise<true> {
    const { prisma, tokens, now } = this.deps;
    const found = await tokens.find("VERIFY_EMAIL", token);
    await prisma.$transaction(async (tx) => {
      await lockUser(tx, found.userId);
      await tokens.consume(tx, found);
      // An email change voids the old address's links (EmailChange.confirm), under the same lock.
      const { count } = await tx.user.updateMany({
        where: { id: found.userId, email: found.email, emailVerifiedAt: null },
        data: { emailVerifiedAt: new Date(now()) },
      });
      // Whoever opened the link proved the mailbox: they acted as the user.
      if (count === 1) {
        await recordSecurityEvents(tx, now(), [{ kind: "EMAIL_VERIFIED", userId: found.userId, actorId: found.userId, client }]);
      }
    });
    return true;
  }
}
