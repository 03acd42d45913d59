import { LinkTokenError, LinkTokenFailure } from "../../errors";
import type { EmailToken, EmailTokenPurpose, Prisma, PrismaClient, User } from "../../generated/prisma/client";
import { generateOpaqueToken, hashOpaqueToken } from "./opaqueTokens";

/** What generateOpaqueToken makes: 32 bytes in base64url. Anything else is refused unlooked-up. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export interface IssueOptions {
  /** Void the user's unused tokens of the same purpose. */
  replacesOlder?: boolean;
  /** More writes for the same transaction. */
  alsoWrite?: (tx: Prisma.TransactionClient) => Promise<unknown>;
}

/** A token found for its purpose, unused and unexpired when looked up, with its user. */
export type FoundEmailToken = EmailToken & { user: User };

/**
 * The single-use tokens of mailed links: 256 random bits, of which the table keeps only the SHA-256,
 * each for one purpose and one address, valid until its expiry or its first use.
 */
export class EmailTokens {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly ttlSeconds: Record<EmailTokenPurpose, number>,
    private readonly now: () => number,
  ) {}

  ttlOf(purpose: EmailTokenPurpose): number {
    return this.ttlSeconds[purpose];
  }

  /**
   * Stores a new token for the user and returns it: the one time it exists outside the mail.
   * `replacesOlder` makes the user's unused tokens of this purpose void in the same transaction, so
   * that only the newest link works. The user's row is locked first, the order of every transaction
   * that writes a user's tokens (sessions/userLock.ts): two requests at once then take turns, and
   * the second voids the first's token instead of both staying usable. `alsoWrite` adds writes
   * that belong with the token to its transaction (its security event).
   */
  async issue(userId: string, purpose: EmailTokenPurpose, email: string, options: IssueOptions = {}): Promise<string> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT 1 FROM "User" WHERE "id" = ${userId}::uuid FOR UPDATE`;
      if (options.replacesOlder) await this.voidOthers(tx, userId, purpose);
      const token = await this.issueWithin(tx, userId, purpose, email);
      await options.alsoWrite?.(tx);
      return token;
    });
  }

  /** Stores a new token in the caller's transaction, which has locked the user's row, and returns it. */
  async issueWithin(tx: Prisma.TransactionClient, userId: string, purpose: EmailTokenPurpose, email: string): Promise<string> {
    const token = generateOpaqueToken();
    const now = this.now();
    await tx.emailToken.create({
      data: {
        userId,
        purpose,
        email,
        tokenHash: hashOpaqueToken(token),
        createdAt: new Date(now),
        expiresAt: new Date(now + this.ttlSeconds[purpose] * 1000),
      },
    });
    return token;
  }

  /**
   * The token's row, if it is one of ours for this purpose and can still be used; a typed error
   * otherwise. A check for a clear early answer only: `consume` decides.
   */
  async find(purpose: EmailTokenPurpose, token: string): Promise<FoundEmailToken> {
    if (!TOKEN_SHAPE.test(token)) throw new LinkTokenError(LinkTokenFailure.LINK_INVALID);
    const found = await this.prisma.emailToken.findUnique({ where: { tokenHash: hashOpaqueToken(token) }, include: { user: true } });
    if (found?.purpose !== purpose) throw new LinkTokenError(LinkTokenFailure.LINK_INVALID);
    refuseUnusable(found, this.now());
    return found;
  }

  /**
   * Spends the token inside the caller's transaction. One conditional UPDATE: of two uses at once,
   * PostgreSQL lets exactly one change the row (the other waits for the row lock, then re-checks
   * `usedAt IS NULL` against the committed row and changes nothing). Rolled back with the
   * transaction, so a failure after this leaves the link usable.
   */
  async consume(tx: Prisma.TransactionClient, found: FoundEmailToken): Promise<void> {
    const now = new Date(this.now());
    const { count } = await tx.emailToken.updateMany({
      where: { id: found.id, usedAt: null, expiresAt: { gt: now } },
      data: { usedAt: now },
    });
    if (count === 1) return;
    const current = await tx.emailToken.findUnique({ where: { id: found.id } });
    // Gone: the user was deleted meanwhile.
    if (current === null) throw new LinkTokenError(LinkTokenFailure.LINK_INVALID);
    refuseUnusable(current, this.now());
  }

  /** Makes the user's unused tokens of this purpose void: a newer one replaces them. */
  private async voidOthers(tx: Prisma.TransactionClient, userId: string, purpose: EmailTokenPurpose): Promise<void> {
    await tx.emailToken.updateMany({ where: { userId, purpose, usedAt: null }, data: { usedAt: new Date(this.now()) } });
  }
}

function refuseUnusable(row: EmailToken, now: number): void {
  if (row.usedAt !== null) throw new LinkTokenError(LinkTokenFailure.LINK_USED);
  if (row.expiresAt.getTime() <= now) throw new LinkTokenError(LinkTokenFailure.LINK_EXPIRED);
}
