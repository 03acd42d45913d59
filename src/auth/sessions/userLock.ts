import type { Prisma } from "../../generated/prisma/client";

/**
 * Locks the user's row until the transaction ends. Every transaction that writes a user together
 * with the user's sessions or mailed-link tokens takes this lock first (see ./perUserLimit.ts):
 * with one order for all of them, two such transactions wait for each other instead of deadlocking.
 * False when there is no such user (any more).
 */
export async function lockUser(tx: Prisma.TransactionClient, userId: string): Promise<boolean> {
  const locked = await tx.$queryRaw<unknown[]>`SELECT 1 FROM "User" WHERE "id" = ${userId}::uuid FOR UPDATE`;
  return locked.length > 0;
}
