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
   * happen together with the session they come with. One statement: rememberExpressions.
   */
  remember(db: Prisma.TransactionClient, userId: string, ip: string | null): Array<Prisma.PrismaPromise<unknown>> {
    if (ip === null) return [];
    return [db.$executeRawUnsafe(`WITH ${rememberExpressions("$1", "$2", "$3", "$4")} SELECT 1`, ...this.rememberValues(userId, ip))];
  }

  /** rememberExpressions' four values, in order: the user, the address's key (null: remember none), now, and the oldest time still known. */
  private rememberValues(userId: string, ip: string | null): [string, string | null, Date, Date] {
    return [userId, ip === null ? null : addressKey(ip), new Date(this.now()), this.oldestKnown()];
  }

  /** Where a lookup by email starts: an address is known if the user logged in from it after this. */
  oldestKnown(): Date {
    return new Date(this.now() - this.ttlSeconds * 1000);
  }
}

/**
 * What `remember` writes, as common table expressions for a statement that may do more (a login's
 * writes), given SQL placeholders for the user, the address's key (null: none to remember), now
 * and the oldest time still known. The upsert is a native INSERT ... ON CONFLICT (one unique key,
 * plain values): two first logins from one address at once both succeed, one of them as the update.
 * The address being remembered is left out of the forgetting, so no row is written twice.
 */
export function rememberExpressions(userId: string, address: string, at: string, oldestKnown: string): string {
  return `known_address_upsert AS (
    INSERT INTO "KnownLoginAddress" ("userId", "address", "lastLoginAt")
    SELECT ${userId}::uuid, ${address}::text, ${at}::timestamptz WHERE ${address}::text IS NOT NULL
    ON CONFLICT ("userId", "address") DO UPDATE SET "lastLoginAt" = EXCLUDED."lastLoginAt"
  ), known_address_forget AS (
    DELETE FROM "KnownLoginAddress"
    WHERE "userId" = ${userId}::uuid AND "lastLoginAt" <= ${oldestKnown}::timestamptz AND "address" IS DISTINCT FROM ${address}::text
  )`;
}
