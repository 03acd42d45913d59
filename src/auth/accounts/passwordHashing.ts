import crypto from "node:crypto";
import bcrypt from "bcrypt";
import { ConcurrencyLimit } from "../../concurrencyLimit";

/**
 * bcrypt hashing on libuv's thread pool (the event loop stays free while a hash is computed).
 *
 * Free is not enough: libuv has 4 threads, and 4 hashes at once take 4 cores away from the event
 * loop on a 2-core machine, so during a login flood every other request waits for CPU (measured:
 * `me` p99 rose 37x). At most `concurrency` hashes run at once (BCRYPT_CONCURRENCY, by default
 * one less than the cores); the others queue, so a flood slows logins, not everything else.
 */
export class PasswordHasher {
  private dummyHash: Promise<string> | undefined;
  private readonly slots: ConcurrencyLimit;

  constructor(
    private readonly cost: number,
    concurrency = 1,
  ) {
    this.slots = new ConcurrencyLimit(concurrency);
  }

  hash(password: string): Promise<string> {
    return this.slots.run(() => bcrypt.hash(password, this.cost));
  }

  verify(password: string, hash: string): Promise<boolean> {
    return this.slots.run(() => bcrypt.compare(password, hash));
  }

  /**
   * Spends one comparison that always fails, against a hash of the same cost. Login calls it for
   * an unknown email so that the response time does not reveal whether an account exists.
   */
  async verifyAgainstDummy(password: string): Promise<false> {
    this.dummyHash ??= this.hash(crypto.randomBytes(16).toString("hex"));
    await this.verify(password, await this.dummyHash);
    return false;
  }

  /** True when the hash was made with a lower cost than the current one. */
  needsRehash(hash: string): boolean {
    return bcrypt.getRounds(hash) < this.cost;
  }
}
