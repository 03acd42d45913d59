import { ForbiddenError, ForbiddenReason } from "../../errors";
import type { PrismaClient } from "../../generated/prisma/client";
import type { Mailer } from "../../mail/mailer";
import type { AccessTokens } from "../tokens/accessTokens";
import { passwordProven } from "../sessions/assurance";
import { newSession, tokenPair } from "../sessions/lifecycle";
import type { AuthResult, ClientInfo } from "../types";
import { lockUser } from "../sessions/userLock";
import { accountAddress, type AccountMessages } from "./accountMessages";
import type { EmailTokens } from "../tokens/emailTokens";
import { validateNewPassword } from "../passwords/validation";
import { validateEmail } from "../users/validation";
import type { KnownLoginAddresses } from "../limits/knownLoginAddresses";
import type { PasswordResetRateLimiter } from "../limits/mailRateLimiters";
import type { PasswordHasher } from "../passwords/hashing";
import { replacePassword } from "../passwords/replacement";
import { recordSecurityEvents } from "../securityEvents/recording";

export interface PasswordResetDeps {
  prisma: PrismaClient;
  passwords: PasswordHasher;
  accessTokens: AccessTokens;
  tokens: EmailTokens;
  messages: AccountMessages;
  mailer: Mailer;
  limiter: PasswordResetRateLimiter;
  knownAddresses: KnownLoginAddresses;
  refreshTokenTtlSeconds: number;
  now: () => number;
}

/** A forgotten password: a single-use link mailed to the account's address sets a new one. */
export class PasswordReset {
  constructor(private readonly deps: PasswordResetDeps) {}

  /**
   * Always answers true. What the answer waits for (input checks, the two rate limits) is the same
   * for every valid email; looking the account up, storing a token and mailing it all happen after
   * the answer, in the background. So neither the answer nor its time tells whether the email has
   * an account (docs/security.md, "Mailed links").
   */
  async request(rawEmail: string, client: ClientInfo): Promise<true> {
    const email = validateEmail(rawEmail);
    await this.deps.limiter.take(email, client.ip);
    this.deps.mailer.sendInBackground(async () => {
      const { prisma, tokens, messages, now } = this.deps;
      const user = await prisma.user.findUnique({ where: { email } });
      // No account, or a disabled one: that cannot be taken back through its mailbox; its owner asks an admin.
      if (user?.disabledAt !== null) return undefined;
      // A newer link voids the older ones: only the link of the latest request works. The event is
      // bounded by the per-email limit above; whoever asked is not known (actor null).
      const token = await tokens.issue(user.id, "RESET_PASSWORD", user.email, {
        replacesOlder: true,
        alsoWrite: (tx) => recordSecurityEvents(tx, now(), [{ kind: "PASSWORD_RESET_REQUESTED", userId: user.id, actorId: null, client }]),
      });
      return messages.passwordReset(accountAddress(user), token, tokens.ttlOf("RESET_PASSWORD"));
    });
    return true;
  }

  /**
   * Sets the new password as a password change does (replacePassword). The link is spent in the
   * same transaction, so a failure leaves it usable, and of two uses at once only one succeeds.
   * The second factor stays on: a mailbox and a new password make a level-1 session, like a login.
   */
  async reset(token: string, rawPassword: string, client: ClientInfo): Promise<AuthResult> {
    const { prisma, passwords, tokens, now } = this.deps;
    const found = await tokens.find("RESET_PASSWORD", token);
    const newPassword = validateNewPassword(rawPassword, found.user.email, "newPassword");
    if (found.user.disabledAt !== null) throw new ForbiddenError(ForbiddenReason.ACCOUNT_DISABLED);
    passwords.ensureCapacity("create");
    const passwordHash = await passwords.hash(newPassword);
    const session = newSession(client, passwordProven(now()), this.deps.refreshTokenTtlSeconds, now());
    const { user, sessionId, hasSecondFactor } = await prisma.$transaction(async (tx) => {
      // The user row first, then tokens and sessions: the order of every such transaction (sessions/userLock.ts).
      await lockUser(tx, found.userId);
      await tokens.consume(tx, found);
      // Under the lock: a factor added or removed meanwhile has committed, or waits.
      const hasSecondFactor = (await tx.secondFactor.count({ where: { userId: found.userId } })) > 0;
      // The link reached the account's address: that verifies it, too.
      const verifiedNow = found.user.emailVerifiedAt === null && found.email === found.user.email;
      const replaced = await replacePassword(tx, this.deps, {
        userId: found.userId,
        passwordHash,
        reason: "PASSWORD_RESET",
        session,
        hasSecondFactor,
        client,
        now: now(),
        alsoSet: verifiedNow ? { emailVerifiedAt: new Date(now()) } : undefined,
        eventDetail: verifiedNow ? { emailVerified: true } : undefined,
      });
      return { ...replaced, hasSecondFactor };
    });
    return tokenPair(this.deps.accessTokens, { user, sessionId, assurance: session.assurance, hasSecondFactor }, session);
  }
}
