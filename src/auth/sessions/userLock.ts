import type { Prisma } from "../../generated/prisma/client";

/** The user row as the lock found it: what a transaction checks before it writes. */
export interface LockedUser {
  id: string;
  /** Bumped by every change that voids the user's access tokens (password, logoutAll, disabling). */
  tokenVersion: number;
}

/**
 * Locks the user's row until the transaction ends and returns it. Every transaction that writes
 * a user together with the user's sessions or mailed-link tokens takes this lock first (see
 * ./perUserLimit.ts): with one order for all of them, two such transactions wait for each other
 * instead of deadlocking. Undefined when there is no such user (any more).
 */
export async function lockUser(tx: Prisma.TransactionClient, userId: string): Promise<LockedUser | undefined> {
  const [locked] = await tx.$queryRaw<LockedUser[]>`SELECT "id"::text, "tokenVersion" FROM "User" WHERE "id" = ${userId}::uuid FOR UPDATE`;
  return locked;
}
