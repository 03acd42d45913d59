import { AuthFailure, AuthenticationError } from "../../errors";
import type { Prisma } from "../../generated/prisma/client";
import { sessionEnded, type NewSession } from "./lifecycle";
import { lockUser } from "./userLock";

/**
 * Inserts a session for an existing user and, in the same transaction, ends the user's oldest live
 * sessions beyond `maxSessions`; the new one always stays. Returns the new session's id and the ended ones'.
 *
 * Call it before the transaction touches any of the user's rows. Every transaction that writes a
 * user and its sessions takes the user's row first (logoutAll, changePassword, account deletion):
 * one that locked sessions first and then waited for the user would deadlock with a login ending
 * those sessions.
 */
export async function insertSessionWithinLimit(
  tx: Prisma.TransactionClient,
  userId: string,
  session: NewSession,
  maxSessions: number,
  now: number,
): Promise<{ id: string; endedIds: string[] }> {
  // Two logins of one user at once would each insert their session, each count the live ones
  // without seeing the other's uncommitted row, each keep `maxSessions - 1` others, and leave the
  // user one over the limit. Locking the user's row makes the second wait here until the first
  // commits; its count below (a fresh snapshot per statement under READ COMMITTED) then includes
  // the first's session. Other users' logins do not wait.
  // The account was deleted after its password was checked (deleteAccount, or an operator): no
  // account, so no session, and the same answer as an unknown email rather than a foreign-key error.
  if ((await lockUser(tx, userId)) === undefined) throw new AuthenticationError(AuthFailure.INVALID_CREDENTIALS);
  const { id } = await tx.session.create({ data: { ...session.data, userId }, select: { id: true } });
  const beyondLimit = await tx.session.findMany({
    where: { userId, id: { not: id }, revokedAt: null, expiresAt: { gt: new Date(now) } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    skip: maxSessions - 1,
    select: { id: true },
  });
  const endedIds = beyondLimit.map((ended) => ended.id);
  if (endedIds.length > 0) {
    // An ordinary session-ending update: the database publishes it to every process's auth cache.
    await tx.session.updateMany({ where: { id: { in: endedIds }, revokedAt: null }, data: sessionEnded("SESSION_LIMIT", now) });
  }
  return { id, endedIds };
}
