import type { PrismaClient, User } from "../../generated/prisma/client";
import { notFound, requireUuid } from "../../ids";
import { sessionEnded } from "../sessions/lifecycle";
import { recordSecurityEvents } from "../securityEvents/recording";
import { lockUser } from "../sessions/userLock";
import type { Caller, ClientInfo } from "../types";
import { refuseOwnAccount } from "../users/administration";
import type { FactorNotices } from "./factorNotices";
import { removeSecondFactors } from "./factorSettings";

export interface AdminFactorRemovalDeps {
  prisma: PrismaClient;
  notices: FactorNotices;
  now: () => number;
}

/**
 * The way back for a user who lost both the authenticator and the recovery codes (docs/security.md,
 * "Account recovery"): an admin, having made sure out of band who is asking, removes the user's
 * second factor. Every session of the user ends and every access token of theirs is void, so
 * whoever may have been waiting at level 1 with the password is out too; the user signs in with
 * the password, is told by mail, and sets up a new factor.
 *
 * The user's passkeys stay. They are credentials the user manages, never the second factor an
 * account requires (docs/security.md, "Passkeys in a recovery"), and the admin cannot tell a lost
 * one from one still in hand; the mail says they still sign in, so that the user deletes any that was
 * on the lost device (a password sign-in is recent enough for deletePasskey once the factor is gone).
 */
export class AdminFactorRemoval {
  constructor(private readonly deps: AdminFactorRemovalDeps) {}

  /** The admin's own session and client are the event's (SECOND_FACTOR_REMOVED, with the admin as its actor). */
  async remove(admin: Caller, id: string, client: ClientInfo): Promise<User> {
    refuseOwnAccount(admin.user.id, requireUuid(id, "user"), "Turn off your own second factor with disableTotp.");
    const { prisma, notices, now } = this.deps;
    const outcome = await prisma.$transaction(async (tx) => {
      if ((await lockUser(tx, id)) === undefined) return undefined;
      const at = now();
      const removed = await removeSecondFactors(tx, id, "FACTOR_REMOVED_BY_ADMIN", at);
      if (removed === 0) return { removed, passkeysKept: 0, user: await tx.user.findUniqueOrThrow({ where: { id } }) };
      const user = await tx.user.update({ where: { id }, data: { tokenVersion: { increment: 1 } } });
      await tx.session.updateMany({ where: { userId: id, revokedAt: null }, data: sessionEnded("SECOND_FACTOR_REMOVED", at) });
      const passkeysKept = await tx.passkey.count({ where: { userId: id } });
      await recordSecurityEvents(tx, at, [
        {
          kind: "SECOND_FACTOR_REMOVED",
          userId: id,
          actorId: admin.user.id,
          sessionId: admin.sessionId,
          client,
          detail: { byAdmin: true, passkeysKept },
        },
      ]);
      return { removed, passkeysKept, user };
    });
    if (!outcome) throw notFound("user");
    if (outcome.removed > 0) notices.removed(outcome.user, true, outcome.passkeysKept);
    return outcome.user;
  }
}
