import type pg from "pg";
import { RateLimiterPostgres, RateLimiterRes } from "rate-limiter-flexible";
import { TooManyRequestsError, type TooManyRequestsReason } from "../../errors";

/** Created by a committed migration (LoginRateLimit in prisma/schema.prisma), so no process races to create it. */
export const RATE_LIMIT_TABLE = "login_rate_limit";

/**
 * One kind of counter (login failures per address, signups per address, ...) in the PostgreSQL
 * table every API process shares: at most `points` per key within `windowSeconds`.
 *
 * Counting is one atomic upsert, done before the work it limits: parallel requests cannot all
 * slip under the limit between a read and a write.
 */
export class RateLimitCounter {
  private readonly limiter: RateLimiterPostgres;

  constructor(
    pool: pg.Pool,
    private readonly name: string,
    points: number,
    windowSeconds: number,
  ) {
    this.limiter = new RateLimiterPostgres({
      storeClient: pool,
      storeType: "pool",
      tableName: RATE_LIMIT_TABLE,
      tableCreated: true,
      keyPrefix: this.name,
      points,
      duration: windowSeconds,
    });
  }

  /** Adds one to the key's count; over the limit, throws TooManyRequestsError with `reason` and the seconds until there is room. */
  async take(key: string, reason: TooManyRequestsReason): Promise<void> {
    const retryAfterSeconds = await this.consume(key);
    if (retryAfterSeconds !== undefined) throw new TooManyRequestsError(reason, retryAfterSeconds);
  }

  /** Adds one to the key's count; false, instead of an error, when over the limit. */
  async tryTake(key: string): Promise<boolean> {
    return (await this.consume(key)) === undefined;
  }

  /** Takes one back: the counted attempt turned out not to be a failure. */
  async giveBack(key: string): Promise<void> {
    await this.limiter.reward(key, 1);
  }

  /** Starts the key afresh. */
  async reset(key: string): Promise<void> {
    await this.limiter.delete(key);
  }

  /** The key's row in RATE_LIMIT_TABLE (the library's format: its prefix, a colon, the key), for a statement that writes it with others. */
  storedKey(key: string): string {
    return `${this.name}:${key}`;
  }

  /** Adds one to the key's count. Resolves to undefined within the limit, else to the seconds until there is room. */
  private async consume(key: string): Promise<number | undefined> {
    try {
      await this.limiter.consume(key);
      return undefined;
    } catch (error) {
      // The library rejects with a RateLimiterRes when over the limit, with the driver's error when
      // the store fails. That one is wrapped: graphql-js would replace a thrown non-Error (a socket
      // error from another realm, under Jest) with a bare "Unexpected error value", losing its code.
      if (!(error instanceof RateLimiterRes)) throw new Error("Rate limit store failed.", { cause: error });
      return Math.max(1, Math.ceil(error.msBeforeNext / 1000));
    }
  }
}
