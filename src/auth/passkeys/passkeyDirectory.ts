import type { Passkey, PrismaClient } from "../../generated/prisma/client";
import { notFound, requireUuid } from "../../ids";
import { recordSecurityEvents } from "../securityEvents/recording";
import type { AssurancePolicy } from "../sessions/assurance";
import { lockUser } from "../sessions/userLock";
import { voidPendingLinks } from "../tokens/pendingLinks";
import type { Caller, ClientInfo } from "../types";
import { validateName } from "../users/validation";
import type { PasskeyNotices } from "./passkeyNotices";
import { requireRecentLogin } from "./registration";

export interface PasskeyDirectoryDeps {
  prisma: PrismaClient;
  assurance: AssurancePolicy;
  notices: PasskeyNotices;
  now: () => number;
}

/** The user's passkeys: listing them (batched for the loaders), renaming, deleting. Another user's passkey is NOT_FOUND, as a missing one. */
export class PasskeyDirectory {
  constructor(private readonly deps: PasskeyDirectoryDeps) {}

  /** Each user's passkeys, newest first, in the order of the ids. */
  async passkeysOf(userIds: readonly string[]): Promise<Passkey[][]> {
    const passkeys = await this.deps.prisma.passkey.findMany({
      where: { userId: { in: [...userIds] } },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    });
    return userIds.map((id) => passkeys.filter((passkey) => passkey.userId === id));
  }

  async rename(caller: Caller, id: string, rawName: string): Promise<Passkey> {
    requireUuid(id, "passkey");
    const name = validateName(rawName);
    const { count } = await this.deps.prisma.passkey.updateMany({ where: { id, userId: caller.user.id }, data: { name } });
    const renamed = count === 1 ? await this.deps.prisma.passkey.findUnique({ where: { id } }) : null;
    if (!renamed) throw notFound("passkey");
    return renamed;
  }

  /**
   * Deletes one of the caller's passkeys (step-up: see registration.ts's requireRecentLogin). A way
   * in the fewer voids the pending links that move control, as a removed factor does
   * (tokens/pendingLinks.ts, FACTOR_REMOVED); sessions it started stay, as after a TOTP change.
   */
  async remove(caller: Caller, id: string, client: ClientInfo): Promise<true> {
    const { prisma, assurance, notices, now } = this.deps;
    requireUuid(id, "passkey");
    requireRecentLogin(assurance, caller);
    const { user, sessionId } = caller;
    const removed = await prisma.$transaction(async (tx) => {
      await lockUser(tx, user.id);
      const passkey = await tx.passkey.findFirst({ where: { id, userId: user.id } });
      if (!passkey) return undefined;
      const at = now();
      await tx.passkey.delete({ where: { id } });
      await voidPendingLinks(tx, user.id, "FACTOR_REMOVED", at);
      await recordSecurityEvents(tx, at, [
        { kind: "PASSKEY_REMOVED", userId: user.id, actorId: user.id, sessionId, client, detail: { passkeyId: id, name: passkey.name } },
      ]);
      return passkey;
    });
    if (!removed) throw notFound("passkey");
    notices.removed(user, removed.name);
    return true;
  }
}
