import crypto from "node:crypto";
import type pg from "pg";
import type { LoginLimitsConfig } from "../../config";
import { TooManyRequestsReason } from "../../errors";
import { addressKey } from "./clientAddress";
import type { KnownLoginAddresses } from "./knownLoginAddresses";
import { RATE_LIMIT_TABLE, RateLimitCounter } from "./rateLimitCounter";

/** Which counters an attempt was counted on, so that its success gives back exactly those. */
export interface CountedAttempt {
  readonly address: string;
  readonly addressCounter: RateLimitCounter;
  readonly accountCounter: RateLimitCounter;
  readonly accountKey: string;
}

/**
 * Limits failed logins per client address and per account, with counters in PostgreSQL so that
 * every API process sees the same counts. Each attempt is counted before its password is checked
 * (see RateLimitCounter); a success gives its points back.
 *
 * The account's limit must stop guessing without becoming a weapon: were every address to share
 * one count per account, anyone could keep its owner out by failing a few times now and then. So
 * an address the account has logged in from before (KnownLoginAddresses) has its own count for
 * the account; all other addresses share one. Failures from elsewhere close the account to
 * elsewhere only, and guessing is still bounded: a few guesses per window from all unknown
 * addresses together, a few more from each address the owner uses, each address also bound by
 * its own limit over all accounts.
 */
export class LoginRateLimiter {
  private readonly perAddress: RateLimitCounter;
  private readonly perAccountFromUnknownAddresses: RateLimitCounter;
  private readonly perAccountFromKnownAddress: RateLimitCounter;

  constructor(
    pool: pg.Pool,
    limits: LoginLimitsConfig,
    private readonly knownAddresses: KnownLoginAddresses,
  ) {
    const { maxFailuresPerIp, maxFailuresPerAccount, windowSeconds } = limits;
    this.perAddress = new RateLimitCounter(pool, "ip", maxFailuresPerIp, windowSeconds);
    this.perAccountFromUnknownAddresses = new RateLimitCounter(pool, "account", maxFailuresPerAccount, windowSeconds);
    this.perAccountFromKnownAddress = new RateLimitCounter(pool, "account-known-ip", maxFailuresPerAccount, windowSeconds);
  }

  /**
   * Counts one attempt; throws TooManyRequestsError when over a limit. The address is counted
   * first and an attempt it refuses stops there: an address over its limit cannot go on running
   * accounts into theirs.
   */
  async take(email: string, ip: string | null, known: Promise<boolean> = this.knownAddresses.includes(email, ip)): Promise<CountedAttempt> {
    const address = addressKey(ip);
    // `known`: a login reads it with the account, in one statement. The lookup counts nothing, so
    // it runs alongside the address's count, saving a round trip.
    const [, isKnown] = await Promise.all([this.perAddress.take(address, TooManyRequestsReason.LOGIN_ATTEMPTS), known]);
    const attempt: CountedAttempt = isKnown
      ? {
          address,
          addressCounter: this.perAddress,
          accountCounter: this.perAccountFromKnownAddress,
          accountKey: `${hashedEmail(email)}:${address}`,
        }
      : { address, addressCounter: this.perAddress, accountCounter: this.perAccountFromUnknownAddresses, accountKey: hashedEmail(email) };
    await attempt.accountCounter.take(attempt.accountKey, TooManyRequestsReason.LOGIN_ATTEMPTS);
    return attempt;
  }

  /**
   * Counts one attempt on the address alone, for a sign-in that names no account until its proof
   * is checked (a passkey's: the credential says whose it is, and an unknown one is nobody's).
   */
  async takeAddress(ip: string | null): Promise<Pick<CountedAttempt, "address">> {
    const address = addressKey(ip);
    await this.perAddress.take(address, TooManyRequestsReason.LOGIN_ATTEMPTS);
    return { address };
  }

  /** The password (or second factor) was right: the account's count it was made on starts afresh and the address gets its point back. */
  async giveBack(attempt: CountedAttempt): Promise<void> {
    await Promise.all([attempt.accountCounter.reset(attempt.accountKey), this.perAddress.giveBack(attempt.address)]);
  }

  /**
   * The password was right, but the account's second factor is still to come: the address gets its
   * point back, and the account's count stands until the factor is verified. Were it reset here,
   * whoever has the password could log in again after every few wrong codes and guess forever.
   */
  async giveBackAddress(attempt: Pick<CountedAttempt, "address">): Promise<void> {
    await this.perAddress.giveBack(attempt.address);
  }
}

/**
 * What giveBack (or, with `accountCountStands`, giveBackAddress) writes, as two common table
 * expressions for a statement that does more (a login's first statement in its transaction, so
 * that the points come back when its session commits): the account's count deleted, the
 * address's count one lower, the same writes as the counters' `reset` and `giveBack` on a count
 * that has not run out. Their parameters, as SQL placeholders: the account's stored key (null:
 * none), the address's, and now in milliseconds.
 */
export function giveBackExpressions(accountKey: string, addressKey: string, nowMs: string): string {
  return `account_count_reset AS (DELETE FROM "${RATE_LIMIT_TABLE}" WHERE "key" = ${accountKey}::text),
    address_point_back AS (UPDATE "${RATE_LIMIT_TABLE}" SET "points" = "points" - 1 WHERE "key" = ${addressKey}::text AND "expire" > ${nowMs}::bigint)`;
}

/** giveBackExpressions' keys for an attempt: the account's null when its count stands (a second factor is still to come). */
export function givenBackKeys(attempt: CountedAttempt, accountCountStands: boolean): { accountKey: string | null; addressKey: string } {
  return {
    accountKey: accountCountStands ? null : attempt.accountCounter.storedKey(attempt.accountKey),
    addressKey: attempt.addressCounter.storedKey(attempt.address),
  };
}

/** Hashed: the table never holds email addresses, and every key fits its 255 characters. */
export function hashedEmail(email: string): string {
  return crypto.createHash("sha256").update(email, "utf8").digest("base64url");
}
