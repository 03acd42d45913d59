import type pg from "pg";
import type { TooManyRequestsReason } from "../../errors";
import { addressKey } from "./clientAddress";
import { RateLimitCounter } from "./rateLimitCounter";

/** A limit on one kind of request per client address (IPv6: per /64): at most `maxPerIp` within `windowSeconds`. */
export class AddressRateLimiter {
  private readonly perAddress: RateLimitCounter;

  constructor(
    pool: pg.Pool,
    name: string,
    private readonly reason: TooManyRequestsReason,
    limits: { maxPerIp: number; windowSeconds: number },
  ) {
    this.perAddress = new RateLimitCounter(pool, name, limits.maxPerIp, limits.windowSeconds);
  }

  /** Counts one request; throws TooManyRequestsError, with this limit's reason, when the address is over its limit. */
  async take(ip: string | null): Promise<void> {
    await this.perAddress.take(addressKey(ip), this.reason);
  }
}
