import type pg from "pg";
import type { PasskeyLoginLimitsConfig } from "../../config";
import { TooManyRequestsReason } from "../../errors";
import { AddressRateLimiter } from "./addressRateLimiter";

/**
 * Limits passkey sign-ins started (startPasskeyLogin) per client address, counted in PostgreSQL
 * like the login limits. Each start stores a challenge for five minutes before anyone is known,
 * so without a limit an anonymous flood fills the challenge table. Every start with valid input
 * counts, finished or not: its row is written either way.
 */
export class PasskeyLoginRateLimiter extends AddressRateLimiter {
  constructor(pool: pg.Pool, limits: PasskeyLoginLimitsConfig) {
    super(pool, "passkey-login-ip", TooManyRequestsReason.PASSKEY_LOGIN_STARTS, limits);
  }
}
