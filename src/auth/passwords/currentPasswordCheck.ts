import { InputError } from "../../errors";
import type { User } from "../../generated/prisma/client";
import type { ClientInfo } from "../types";
import type { LoginRateLimiter } from "../limits/loginRateLimiter";
import type { PasswordHasher } from "./hashing";

/**
 * The signed-in user proves they still know their password before a change that a stolen access
 * token alone must not make (password change, account deletion). Each check is counted as a
 * login attempt, on the same counters: a stolen token must not become an unlimited password oracle.
 */
export class CurrentPasswordCheck {
  constructor(
    private readonly passwords: PasswordHasher,
    private readonly loginRateLimiter: LoginRateLimiter,
  ) {}

  /** Throws WRONG_PASSWORD (field currentPassword) for a wrong one; the caller has validated its shape. */
  async confirm(user: User, currentPassword: string, client: ClientInfo): Promise<void> {
    this.passwords.ensureCapacity("check");
    const attempt = await this.loginRateLimiter.take(user.email, client.ip);
    if (!(await this.passwords.verify(currentPassword, user.passwordHash))) {
      throw new InputError("currentPassword", "The current password is wrong.", "WRONG_PASSWORD");
    }
    await this.loginRateLimiter.giveBack(attempt);
  }
}
