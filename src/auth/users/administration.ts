import { InputError } from "../../errors";
import { Prisma, type PrismaClient, type Role, type User } from "../../generated/prisma/client";
import { notFound, requireUuid } from "../../ids";
import { sessionEnded } from "../sessions/lifecycle";
import { voidPendingLinks } from "../tokens/pendingLinks";
import { normalizeEmail } from "./validation";

export interface UserAdministrationDeps {
  prisma: PrismaClient;
  now: () => number;
}

/**
 * What admins do to other accounts: change their role, disable and enable them. Only admins reach
 * these methods (schema.graphql's rules); the first admin is made from the command line with
 * `grantAdmin` (scripts/promoteUser.ts). Every change is an UPDATE of the user row, which the
 * database publishes to every API process (prisma/migrations/*_auth_change_notifications), so it
 * holds from the user's next request on, wherever that lands.
 */
export class UserAdministration {
  constructor(private readonly deps: UserAdministrationDeps) {}

  async setRole(adminId: string, id: string, role: Role): Promise<User> {
    refuseOwnAccount(adminId, requireUuid(id, "user"), "You cannot change your own role.");
    return this.updateUser(id, { role });
  }

  /**
   * Ends every session of the user, voids every access token (the token version) and the pending
   * links that could move control again (tokens/pendingLinks.ts), and refuses login and refresh
   * until enabled again, all in one transaction. The user row's disabledAt is also checked on every
   * request: a login that read the user just before this committed still gets a session, and that
   * session must be useless too.
   */
  async disable(adminId: string, id: string): Promise<User> {
    refuseOwnAccount(adminId, requireUuid(id, "user"), "You cannot disable your own account.");
    const { prisma, now } = this.deps;
    const at = now();
    const user = await prisma.$transaction(async (tx) => {
      // The user row first (sessions/userLock.ts). Disabling again keeps the first date.
      await tx.user.updateMany({ where: { id, disabledAt: null }, data: { disabledAt: new Date(at), tokenVersion: { increment: 1 } } });
      await tx.session.updateMany({ where: { userId: id, revokedAt: null }, data: sessionEnded("USER_DISABLED", at) });
      await voidPendingLinks(tx, id, "ACCOUNT_DISABLED", at);
      return tx.user.findUnique({ where: { id } });
    });
    if (!user) throw notFound("user");
    return user;
  }

  /** The user may log in again; the sessions that disabling ended stay ended. */
  enable(id: string): Promise<User> {
    requireUuid(id, "user");
    return this.updateUser(id, { disabledAt: null });
  }

  /** Makes the account with this email an admin: how the first admin comes to be. */
  async grantAdmin(email: string): Promise<User> {
    const { count } = await this.deps.prisma.user.updateMany({ where: { email: normalizeEmail(email) }, data: { role: "ADMIN" } });
    if (count === 0) throw new InputError("email", `There is no account with the email ${normalizeEmail(email)}.`, "NOT_FOUND");
    return this.deps.prisma.user.findUniqueOrThrow({ where: { email: normalizeEmail(email) } });
  }

  private async updateUser(id: string, data: Prisma.UserUpdateInput): Promise<User> {
    try {
      return await this.deps.prisma.user.update({ where: { id }, data });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2025") throw notFound("user");
      throw error;
    }
  }
}

/** An admin cannot demote or lock out themself (nor bypass their own second factor): the last admin would leave nobody able to undo it. */
export function refuseOwnAccount(adminId: string, id: string, message: string): void {
  if (id.toLowerCase() === adminId.toLowerCase()) throw new InputError("id", message, "OWN_ACCOUNT");
}
