import { AuthFailure, AuthenticationError } from "../../errors";
import type { PrismaClient } from "../../generated/prisma/client";
import type { Caller, ClientInfo } from "../types";
import type { CurrentPasswordCheck } from "../passwords/currentPasswordCheck";
import { validateOfferedPassword } from "../passwords/validation";
import { lockUserOfCaller } from "../sessions/userLock";
import { recordSecurityEvents } from "../securityEvents/recording";

export interface AccountDeletionDeps {
  prisma: PrismaClient;
  currentPassword: CurrentPasswordCheck;
  now: () => number;
}

/**
 * A user deletes their own account. Everything that belongs to it goes in one transaction: the
 * user row, its sessions and their refresh tokens, its known login addresses and its posts
 * (prisma/schema.prisma cascades each from the user), and its security events, but for one
 * ACCOUNT_DELETED event that keeps the account's id (docs/security.md, "Security event log"). Every deleted user and session row is
 * published to every API process (prisma/migrations/*_auth_change_notifications), so the
 * account's access tokens fail with SESSION_ENDED from the next request on, wherever it lands,
 * and its refresh tokens are unknown. The failed-login counters keyed by the email's hash stay
 * until their window ends: they hold no email, and they keep counting should someone sign up
 * with the address again.
 */
export class AccountDeletion {
  constructor(private readonly deps: AccountDeletionDeps) {}

  async deleteAccount(caller: Caller, currentPassword: string, client: ClientInfo): Promise<void> {
    validateOfferedPassword(currentPassword, "currentPassword");
    // Checked before the transaction: a bcrypt hash is too slow to hold the user's row lock for.
    await this.deps.currentPassword.confirm(caller, currentPassword, client);
    const { prisma, now } = this.deps;
    const userId = caller.user.id;
    const deleted = await prisma.$transaction(async (tx) => {
      // The user row first, like every transaction that writes a user and its sessions
      // (sessions/userLock.ts), so deletion cannot deadlock with a login, logoutAll or a password
      // change; whichever comes second waits for the first to commit. A deletion whose session
      // ended or whose token version moved on since the request was authenticated is refused.
      if (!(await lockUserOfCaller(tx, caller, now()))) return false;
      // Then the refresh tokens, then the sessions: the order in which a refresh locks them
      // (refreshRotation.ts locks the presented token, then writes its session). Left to the
      // cascade from the user row, the sessions would be locked before their tokens, and a
      // refresh running meanwhile would deadlock with this transaction. A successor that such a
      // refresh commits while this waits for its token is removed by the sessions' cascade.
      await tx.refreshToken.deleteMany({ where: { session: { userId } } });
      await tx.session.deleteMany({ where: { userId } });
      await tx.user.delete({ where: { id: userId } });
      // The account's history goes with it; one event says that it was deleted, when and from where.
      await tx.securityEvent.deleteMany({ where: { userId } });
      await recordSecurityEvents(tx, now(), [{ kind: "ACCOUNT_DELETED", userId, actorId: userId, sessionId: caller.sessionId, client }]);
      return true;
    });
    if (!deleted) throw new AuthenticationError(AuthFailure.SESSION_ENDED);
  }
}
