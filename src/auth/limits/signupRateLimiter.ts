import type pg from "pg";
import type { SignupLimitsConfig } from "../../config";
import { TooManyRequestsReason } from "../../errors";
import { addressKey } from "./clientAddress";
import { RateLimitCounter } from "./rateLimitCounter";

/**
 * Limits signups per client address, counted in PostgreSQL like the login limits. Every signup
 * with valid input counts, taken email or not: each costs a bcrypt hash, and each answer says
 * whether an email has an account, so the limit bounds both a hashing flood and that probing.
 */
export class SignupRateLimiter {
  private readonly perAddress: RateLimitCounter;

  constructor(pool: pg.Pool, limits: SignupLimitsConfig) {
    this.perAddress = new RateLimitCounter(pool, "signup-ip", limits.maxPerIp, limits.windowSeconds);
  }

  /** Counts one signup; throws TooManyRequestsError when the address is over its limit. */
  async take(ip: string | null): Promise<void> {
    await this.perAddress.take(addressKey(ip), TooManyRequestsReason.SIGNUP_ATTEMPTS);
  }
}
