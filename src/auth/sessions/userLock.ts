import type { Prisma } from "../../generated/prisma/client";
import type { Caller } from "../types";

/** The user row as the lock found it: what a transaction checks before it writes. */
export interface LockedUser {
  id: string;
  /** Bumped by every change that voids the user's access tokens (password, logoutAll, disabling). */
  tokenVersion: number;
  /** Read under the lock: a disabling that committed while the transaction waited is seen here. */
  disabledAt: Date | null;
}

/**
 * Locks the user's row until the transaction ends and returns it. Every transaction that writes
 * a user together with the user's sessions or mailed-link tokens takes this lock first (see
 * ./perUserLimit.ts): with one order for all of them, two such transactions wait for each other
 * instead of deadlocking. Undefined when there is no such user (any more).
 */
export async function lockUser(tx: Prisma.TransactionClient, userId: string): Promise<LockedUser | undefined> {
  const [locked] = await tx.$queryRaw<
    LockedUser[]
  >`SELECT "id"::text, "tokenVersion", "disabledAt" FROM "User" WHERE "id" = ${userId}::uuid FOR UPDATE`;
  return locked;
}

/**
 * Locks the caller's user row and tells whether the caller's authentication still holds. The
 * request was authenticated before the transaction began; a change that ended its session or
 * voided its tokens since (a password change or logoutAll elsewhere, an admin disabling the
 * account, an email change) has either committed before the lock was granted, and these reads
 * see it (each statement reads afresh under READ COMMITTED), or waits for the lock and comes after.
 */
export async function lockUserOfCaller(tx: Prisma.TransactionClient, caller: Caller, now: number): Promise<boolean> {
  const locked = await lockUser(tx, caller.user.id);
  if (locked?.tokenVersion !== caller.user.tokenVersion) return false;
  return sessionIsLive(tx, caller.sessionId, caller.user.id, now);
}

/** The user's session has neither ended nor expired (read afresh: under the user's lock, after every event that committed first). */
export async function sessionIsLive(tx: Prisma.TransactionClient, sessionId: string, userId: string, now: number): Promise<boolean> {
  const live = await tx.session.count({ where: { id: sessionId, userId, revokedAt: null, expiresAt: { gt: new Date(now) } } });
  return live > 0;
}
