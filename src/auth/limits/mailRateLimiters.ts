import type pg from "pg";
import type { AccountEmailsConfig } from "../../config";
import { TooManyRequestsReason } from "../../errors";
import { addressKey } from "./clientAddress";
import { hashedEmail } from "./loginRateLimiter";
import { RateLimitCounter } from "./rateLimitCounter";

/**
 * Limits password reset requests per email address and per client address, counted in PostgreSQL
 * like the login limits. Every request with a valid email counts, whether or not it has an
 * account: the answer, the limit included, must not tell the two apart. The per-email limit bounds
 * how many reset mails anyone can make an inbox receive; the per-address one bounds one client
 * trying many emails.
 */
export class PasswordResetRateLimiter {
  private readonly perAddress: RateLimitCounter;
  private readonly perEmail: RateLimitCounter;

  constructor(pool: pg.Pool, limits: AccountEmailsConfig) {
    this.perAddress = new RateLimitCounter(pool, "reset-ip", limits.passwordResetMaxPerIp, limits.passwordResetWindowSeconds);
    this.perEmail = new RateLimitCounter(pool, "reset-email", limits.passwordResetMaxPerEmail, limits.passwordResetWindowSeconds);
  }

  /** Counts one request; throws TooManyRequestsError over a limit. An address over its limit counts against no email. */
  async take(email: string, ip: string | null): Promise<void> {
    await this.perAddress.take(addressKey(ip), TooManyRequestsReason.PASSWORD_RESET_REQUESTS);
    await this.perEmail.take(hashedEmail(email), TooManyRequestsReason.PASSWORD_RESET_REQUESTS);
  }
}

/**
 * Limits the mails a user's own actions send (verification links, email-change links), per user:
 * each sends mail to an address the user chose, which must not become a way to flood an inbox.
 */
export class UserMailRateLimiter {
  private readonly perUser: RateLimitCounter;

  constructor(pool: pg.Pool, limits: AccountEmailsConfig) {
    this.perUser = new RateLimitCounter(pool, "user-mail", limits.userMailMax, limits.userMailWindowSeconds);
  }

  /** Counts one mail; throws TooManyRequestsError when the user is over the limit. */
  async take(userId: string): Promise<void> {
    await this.perUser.take(userId, TooManyRequestsReason.ACCOUNT_MAIL_REQUESTS);
  }

  /** Counts one mail; false, and nothing to send, when the user is over the limit. */
  async tryTake(userId: string): Promise<boolean> {
    return this.perUser.tryTake(userId);
  }
}
