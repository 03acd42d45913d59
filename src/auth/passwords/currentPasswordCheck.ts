import { InputError } from "../../errors";
import type { PrismaClient } from "../../generated/prisma/client";
import type { Caller, ClientInfo } from "../types";
import type { LoginRateLimiter } from "../limits/loginRateLimiter";
import { recordSecurityEvents } from "../securityEvents/recording";
import type { PasswordHasher } from "./hashing";

/**
 * The signed-in user proves they still know their password before a change that a stolen access
 * token alone must not make (password change, email change, account deletion). Each check is
 * counted as a login attempt, on the same counters: a stolen token must not become an unlimited
 * password oracle. A wrong one is a LOGIN_FAILED event, bounded by those counters like a login's.
 */
export class CurrentPasswordCheck {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly passwords: PasswordHasher,
    private readonly loginRateLimiter: LoginRateLimiter,
    private readonly now: () => number,
  ) {}

  /** Throws WRONG_PASSWORD (field currentPassword) for a wrong one, NO_PASSWORD for an account without one; the caller has validated its shape. */
  async confirm(caller: Caller, currentPassword: string, client: ClientInfo): Promise<void> {
    const { user, sessionId } = caller;
    if (user.passwordHash === null) {
      throw new InputError("currentPassword", "This account has no password yet: set one with requestPasswordReset.", "NO_PASSWORD");
    }
    this.passwords.ensureCapacity("check");
    const attempt = await this.loginRateLimiter.take(user.email, client.ip);
    if (!(await this.passwords.verify(currentPassword, user.passwordHash))) {
      await recordSecurityEvents(this.prisma, this.now(), [
        { kind: "LOGIN_FAILED", userId: user.id, actorId: user.id, sessionId, client, detail: { reason: "WRONG_CURRENT_PASSWORD" } },
      ]);
      throw new InputError("currentPassword", "The current password is wrong.", "WRONG_PASSWORD");
    }
    await this.loginRateLimiter.giveBack(attempt);
  }
}
