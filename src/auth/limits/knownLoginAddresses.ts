import type { Prisma, PrismaClient } from "../../generated/prisma/client";
import { addressKey } from "./clientAddress";

/**
 * The client addresses each user has proved their password from (signup, login, password change),
 * by the same key the rate limiter counts them under (IPv4 address, IPv6 /64). An address is
 * known for `ttlSeconds` after its last such login. The login limiter gives a known address its
 * own failure count per account, so failures from anywhere else cannot lock the owner out.
 */
export class KnownLoginAddresses {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly ttlSeconds: number,
    private readonly now: () => number,
  ) {}

  /**
   * Whether the account with this email has logged in from this address lately. One query by email,
   * whether or not the account exists, so the time it takes tells nothing about accounts.
   */
  async includes(email: string, ip: string | null): Promise<boolean> {
    if (ip === null) return false;
    const found = await this.prisma.knownLoginAddress.findFirst({
      where: { address: addressKey(ip), user: { email }, lastLoginAt: { gt: this.oldestKnown() } },
      select: { userId: true },
    });
    return found !== null;
  }

  /** The address as first known address of a user being created (signup's nested insert). */
  first(ip: string | null): Prisma.KnownLoginAddressCreateNestedManyWithoutUserInput | undefined {
    if (ip === null) return undefined;
    return { create: { address: addressKey(ip), lastLoginAt: new Date(this.now()) } };
  }

  /**
   * The writes that remember the address for the user and forget the user's addresses past their
   * time, made on the caller's transaction client (or as a batch for `$transaction([...])`): they
   * happen together with the session they come with.
   */
  remember(db: Prisma.TransactionClient, userId: string, ip: string | null): Array<Prisma.PrismaPromise<unknown>> {
    if (ip === null) return [];
    const address = addressKey(ip);
    const lastLoginAt = new Date(this.now());
    return [
      // A native INSERT ... ON CONFLICT (one unique key, plain values): two first logins from one
      // address at once both succeed, one of them as the update.
      db.knownLoginAddress.upsert({
        where: { userId_address: { userId, address } },
        create: { userId, address, lastLoginAt },
        update: { lastLoginAt },
      }),
      db.knownLoginAddress.deleteMany({ where: { userId, lastLoginAt: { lte: this.oldestKnown() } } }),
    ];
  }

  private oldestKnown(): Date {
    return new Date(this.now() - this.ttlSeconds * 1000);
  }
}
