import crypto from "node:crypto";
import bcrypt from "bcrypt";
import { ConcurrencyLimit } from "../../concurrencyLimit";
import { EventLoopLoad } from "../../eventLoopLoad";
import { TooManyRequestsError, TooManyRequestsReason } from "../../errors";

/**
 * What a hash is for. Checking the password of someone logging in (or proving it before a password
 * change) goes before making a new hash (signup, a new password, a cost upgrade): behind 60
 * parallel signups at cost 10 on one slot, a login took 4.4-5.0 s in arrival order; checked
 * first, 0.2-0.3 s, waiting for the one hash in progress only (test/security/signupFlood.test.ts).
 */
export type HashWork = "check" | "create";
const PRIORITY: Record<HashWork, number> = { check: 0, create: 1 };

/** Weight of the newest duration in the running average: smooth enough to ignore one slow hash. */
const AVERAGE_WEIGHT = 0.2;

export interface PasswordHasherOptions {
  /** Hashes computed at once while the event loop has time to spare (BCRYPT_CONCURRENCY). */
  concurrency?: number;
  /** Hashes computed at once while it is busy, so other requests wait for the CPU (BCRYPT_CONCURRENCY_WHEN_BUSY); at most `concurrency`. */
  concurrencyWhenBusy?: number;
  /** Longest a hash may expect to wait for a slot before the request is refused as busy (BCRYPT_MAX_QUEUE_WAIT). */
  maxQueueWaitSeconds?: number;
}

/**
 * bcrypt hashing on libuv's thread pool (the event loop stays free while a hash is computed).
 *
 * Free is not enough: libuv has 4 threads, and 4 hashes at once take 4 cores away from the event
 * loop on a 2-core machine, so during a login flood every other request waits for CPU (measured:
 * `me` p99 rose 37x). Nor is a fixed share right: one slot fewer than the cores leaves a core idle
 * while logins queue and nothing else runs (bench/README.md, change 5). So the queue is
 * work-conserving: while the event loop has time to spare, `concurrency` hashes run at once
 * (BCRYPT_CONCURRENCY, by default every core); while it is busy, meaning requests wait for the
 * main thread, only `concurrencyWhenBusy` (BCRYPT_CONCURRENCY_WHEN_BUSY, by default one less than
 * the cores) start, and the hashes already running finish. Queued work goes in priority order,
 * logins' checks ahead of new hashes (see HashWork).
 */
export class PasswordHasher {
  private dummyHash: Promise<string> | undefined;
  private readonly slots: ConcurrencyLimit;
  private readonly concurrency: number;
  private readonly concurrencyWhenBusy: number;
  private readonly maxQueueWaitMs: number;
  private readonly load = new EventLoopLoad();
  private limit: number;
  /** Stops watching the event loop; set while hashes run or wait. */
  private stopWatching: (() => void) | undefined;
  /** Running average of one hash's duration, for the expected wait; 0 (everything admitted) until one has run. */
  private averageHashMs = 0;

  constructor(
    private readonly cost: number,
    { concurrency = 1, concurrencyWhenBusy = concurrency, maxQueueWaitSeconds = 10 }: PasswordHasherOptions = {},
  ) {
    this.concurrency = concurrency;
    this.concurrencyWhenBusy = Math.min(concurrencyWhenBusy, concurrency);
    this.limit = concurrency;
    this.maxQueueWaitMs = maxQueueWaitSeconds * 1000;
    this.slots = new ConcurrencyLimit(concurrency);
  }

  /**
   * Throws TooManyRequestsError (SERVER_BUSY) when work of this kind, queued now, would wait longer
   * than allowed. Callers ask before they count the attempt against any limit: an overloaded
   * server is nobody's failed login. Under a flood a quick "try again in n seconds" beats a request
   * that hangs until the client gives up, and it keeps the queue (and its memory) bounded.
   */
  ensureCapacity(work: HashWork): void {
    const expectedWaitMs = (this.slots.turnsToWait(PRIORITY[work]) * this.averageHashMs) / this.limit;
    if (expectedWaitMs > this.maxQueueWaitMs) {
      throw new TooManyRequestsError(TooManyRequestsReason.SERVER_BUSY, Math.ceil(expectedWaitMs / 1000));
    }
  }

  hash(password: string, work: HashWork = "create"): Promise<string> {
    return this.inSlot(work, () => bcrypt.hash(password, this.cost));
  }

  verify(password: string, hash: string): Promise<boolean> {
    return this.inSlot("check", () => bcrypt.compare(password, hash));
  }

  /**
   * Spends one comparison that always fails, against a hash of the same cost. Login calls it for
   * an unknown email so that the response time does not reveal whether an account exists.
   */
  async verifyAgainstDummy(password: string): Promise<false> {
    // Made as part of a login's check: queued behind signups, the first unknown email would stand out.
    this.dummyHash ??= this.hash(crypto.randomBytes(16).toString("hex"), "check");
    await this.verify(password, await this.dummyHash);
    return false;
  }

  /** True when the hash was made with a lower cost than the current one. */
  needsRehash(hash: string): boolean {
    return bcrypt.getRounds(hash) < this.cost;
  }

  private async inSlot<T>(work: HashWork, task: () => Promise<T>): Promise<T> {
    // The loop's load matters only while there is hashing to admit.
    const stopWatching = (this.stopWatching ??= this.load.watch((busy) => {
      this.limit = busy ? this.concurrencyWhenBusy : this.concurrency;
      this.slots.setLimit(this.limit);
    }));
    try {
      return await this.slots.run(async () => {
        const started = performance.now();
        try {
          return await task();
        } finally {
          const tookMs = performance.now() - started;
          this.averageHashMs = this.averageHashMs === 0 ? tookMs : this.averageHashMs + AVERAGE_WEIGHT * (tookMs - this.averageHashMs);
        }
      }, PRIORITY[work]);
    } finally {
      if (this.slots.pending === 0 && this.stopWatching === stopWatching) {
        stopWatching();
        this.stopWatching = undefined;
      }
    }
  }
}
