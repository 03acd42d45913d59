import type { Prisma, User } from "../../generated/prisma/client";
import { awaitsSecondFactor } from "../sessions/assurance";
import { sessionEnded, type NewSession } from "../sessions/lifecycle";
import type { ClientInfo } from "../types";
import { voidPendingLinks } from "../tokens/pendingLinks";
import { recordSecurityEvents, type SecurityEventDetail } from "../securityEvents/recording";
import type { KnownLoginAddresses } from "../limits/knownLoginAddresses";

export interface PasswordReplacement {
  userId: string;
  passwordHash: string;
  /** Why the user's sessions end: a change with the current password, or a mailed reset link. */
  reason: "PASSWORD_CHANGED" | "PASSWORD_RESET";
  /** The session the caller continues in. */
  session: NewSession;
  /** The account has a second factor: a new session at level 1 awaits it, and its address is not remembered yet. */
  hasSecondFactor: boolean;
  client: ClientInfo;
  now: number;
  /** Other columns of the user to set in the same update. */
  alsoSet?: Prisma.UserUpdateInput;
  /** Facts for the event (PASSWORD_CHANGED or PASSWORD_RESET, as `reason`). */
  eventDetail?: SecurityEventDetail;
}

/**
 * The writes of a new password, in the caller's transaction, which must not have touched the
 * user's sessions or tokens before (the user row first: sessions/userLock.ts). Every session of the user
 * ends, since whoever knew the old password may hold one, through the update the database
 * publishes to every process's auth cache; access tokens of the old version fail; pending links
 * that could move control again (reset, email change) become void, so that none can undo the
 * change (tokens/pendingLinks.ts); the caller continues in a new session from an address the
 * account now knows (once the session has its second factor, if the account has one: a password
 * reset leaves the factor on, and the new session at level 1). The security event (`reason`) is
 * written with them.
 */
export async function replacePassword(
  tx: Prisma.TransactionClient,
  deps: { knownAddresses: KnownLoginAddresses },
  replacement: PasswordReplacement,
): Promise<{ user: User; sessionId: string }> {
  const { userId, passwordHash, reason, session, hasSecondFactor, client, now, alsoSet, eventDetail } = replacement;
  const user = await tx.user.update({ where: { id: userId }, data: { ...alsoSet, passwordHash, tokenVersion: { increment: 1 } } });
  await tx.session.updateMany({ where: { userId, revokedAt: null }, data: sessionEnded(reason, now) });
  const { id: sessionId } = await tx.session.create({ data: { ...session.data, userId }, select: { id: true } });
  if (!awaitsSecondFactor(session.assurance, hasSecondFactor)) {
    for (const write of deps.knownAddresses.remember(tx, userId, client.ip)) await write;
  }
  await voidPendingLinks(tx, userId, reason, now);
  await recordSecurityEvents(tx, now, [{ kind: reason, userId, actorId: userId, sessionId, client, detail: eventDetail }]);
  return { user, sessionId };
}
