import crypto from "node:crypto";
import bcrypt from "bcrypt";

/**
 * bcrypt hashing on libuv's thread pool (the event loop stays free while a hash is computed).
 */
export class PasswordHasher {
  private dummyHash: Promise<string> | undefined;

  constructor(private readonly cost: number) {}

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.cost);
  }

  verify(password: string, hash: string): Promise<boolean> {
    return bcrypt.compare(password, hash);
  }

  /**
   * Spends one comparison that always fails, against a hash of the same cost. Login calls it for
   * an unknown email so that the response time does not reveal whether an account exists.
   */
  async verifyAgainstDummy(password: string): Promise<false> {
    this.dummyHash ??= bcrypt.hash(crypto.randomBytes(16).toString("hex"), this.cost);
    await bcrypt.compare(password, await this.dummyHash);
    return false;
  }

  /** True when the hash was made with a lower cost than the current one. */
  needsRehash(hash: string): boolean {
    return bcrypt.getRounds(hash) < this.cost;
  }
}
