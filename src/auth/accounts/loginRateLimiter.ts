import crypto from "node:crypto";
import net from "node:net";
import type pg from "pg";
import { RateLimiterPostgres, RateLimiterRes } from "rate-limiter-flexible";
import type { LoginLimitsConfig } from "../../config";
import { TooManyRequestsError } from "../../errors";

/** Created by a committed migration (LoginRateLimit in prisma/schema.prisma), so no process races to create it. */
const TABLE = "login_rate_limit";

/**
 * Limits failed logins per account and per client address, with counters in PostgreSQL so that
 * every API process sees the same counts.
 *
 * An attempt is counted *before* the password is checked, with one atomic upsert per counter:
 * parallel attempts (many requests, or many aliased `login` fields in one operation) cannot all
 * slip under the limit between a read and a write. A successful login then gives its point
 * back: it clears the account's counter and returns one to the address's.
 */
export class LoginRateLimiter {
  private readonly perAccount: RateLimiterPostgres;
  private readonly perIp: RateLimiterPostgres;

  constructor(pool: pg.Pool, limits: LoginLimitsConfig) {
    const common = { storeClient: pool, storeType: "pool", tableName: TABLE, tableCreated: true, duration: limits.windowSeconds };
    this.perAccount = new RateLimiterPostgres({ ...common, keyPrefix: "account", points: limits.maxFailuresPerAccount });
    this.perIp = new RateLimiterPostgres({ ...common, keyPrefix: "ip", points: limits.maxFailuresPerIp });
  }

  /** Counts one attempt; throws TooManyRequestsError when either counter is over its limit. */
  async countAttempt(email: string, ip: string | null): Promise<void> {
    const results = await Promise.allSettled([this.perAccount.consume(accountKey(email)), this.perIp.consume(ipKey(ip))]);
    let retryAfterMs: number | undefined;
    for (const result of results) {
      if (result.status === "fulfilled") continue;
      // The library rejects with a RateLimiterRes when over the limit, with the driver's error when
      // the store fails. That one is wrapped: graphql-js would replace a thrown non-Error (a socket
      // error from another realm, under Jest) with a bare "Unexpected error value", losing its code.
      if (!(result.reason instanceof RateLimiterRes)) throw new Error("Login rate limiter store failed.", { cause: result.reason });
      retryAfterMs = Math.max(retryAfterMs ?? 0, result.reason.msBeforeNext);
    }
    if (retryAfterMs !== undefined) throw new TooManyRequestsError(Math.max(1, Math.ceil(retryAfterMs / 1000)));
  }

  /** The password was right: the account starts afresh and the address gets its point back. */
  async recordSuccess(email: string, ip: string | null): Promise<void> {
    await Promise.all([this.perAccount.delete(accountKey(email)), this.perIp.reward(ipKey(ip), 1)]);
  }
}

/** Hashed: the table never holds email addresses, and every key fits its 255 characters. */
export function accountKey(email: string): string {
  return crypto.createHash("sha256").update(email, "utf8").digest("base64url");
}

/**
 * IPv4 addresses count one by one; IPv6 ones by their /64 network, since one subscriber usually
 * holds a whole /64 and could otherwise try from 2^64 addresses.
 */
function ipKey(ip: string | null): string {
  if (ip === null) return "unknown";
  const mappedV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mappedV4) return mappedV4[1]!;
  if (net.isIPv6(ip) && !ip.includes(".")) return `${expandIPv6(ip).slice(0, 4).join(":")}::/64`;
  return ip;
}

/** The eight 16-bit groups of an IPv6 address, "::" filled in. */
function expandIPv6(ip: string): string[] {
  const [head = "", tail] = ip.toLowerCase().split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill("0");
  return [...left, ...zeros, ...right].map((group) => group.replace(/^0+(?=.)/, ""));
}
