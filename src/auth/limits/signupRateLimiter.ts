import type pg from "pg";
import type { SignupLimitsConfig } from "../../config";
import { TooManyRequestsReason } from "../../errors";
import { AddressRateLimiter } from "./addressRateLimiter";

/**
 * Limits signups per client address, counted in PostgreSQL like the login limits. Every signup
 * with valid input counts, taken email or not: each costs a bcrypt hash, and each answer says
 * whether an email has an account, so the limit bounds both a hashing flood and that probing.
 */
export class SignupRateLimiter extends AddressRateLimiter {
  constructor(pool: pg.Pool, limits: SignupLimitsConfig) {
    super(pool, "signup-ip", TooManyRequestsReason.SIGNUP_ATTEMPTS, limits);
  }
}
