import { InputError } from "../../errors";
import type { Prisma, PrismaClient, Role, User } from "../../generated/prisma/client";
import { notFound, requireUuid } from "../../ids";
import { recordSecurityEvents, type NewSecurityEvent } from "../securityEvents/recording";
import { sessionEnded } from "../sessions/lifecycle";
import { lockUser } from "../sessions/userLock";
import { voidPendingLinks } from "../tokens/pendingLinks";
import type { Caller, ClientInfo } from "../types";
import { normalizeEmail } from "./validation";

export interface UserAdministrationDeps {
  prisma: PrismaClient;
  now: () => number;
}

/** Who made an admin change, as its security event says: an admin in a session, or the command line (all null). */
type Actor = Pick<NewSecurityEvent, "actorId" | "sessionId" | "client">;

/** What a change did to the user, and the event that records it; none when nothing changed. */
interface Outcome {
  after: User;
  event?: Pick<NewSecurityEvent, "kind" | "detail">;
}

/**
 * What admins do to other accounts: change their role, disable and enable them. Only admins reach
 * these methods (schema.graphql's rules); the first admin is made from the command line with
 * `grantAdmin` (scripts/promoteUser.ts). Every change is an UPDATE of the user row, which the
 * database publishes to every API process (prisma/migrations/*_auth_change_notifications), so it
 * holds from the user's next request on, wherever that lands. Each change that changes something
 * is a security event, with the admin as its actor.
 */
export class UserAdministration {
  constructor(private readonly deps: UserAdministrationDeps) {}

  async setRole(admin: Caller, id: string, role: Role, client: ClientInfo): Promise<User> {
    refuseOwnAccount(admin.user.id, requireUuid(id, "user"), "You cannot change your own role.");
    return this.change(id, actorOf(admin, client), (tx, before) => this.roleChange(tx, before, role));
  }

  /**
   * Ends every session of the user, voids every access token (the token version) and the pending
   * links that could move control again (tokens/pendingLinks.ts), and refuses login and refresh
   * until enabled again, all in one transaction. The user row's disabledAt is also checked on every
   * request: a login that read the user just before this committed still gets a session, and that
   * session must be useless too.
   */
  async disable(admin: Caller, id: string, client: ClientInfo): Promise<User> {
    refuseOwnAccount(admin.user.id, requireUuid(id, "user"), "You cannot disable your own account.");
    const at = this.deps.now();
    return this.change(id, actorOf(admin, client), async (tx, before) => {
      // Disabling again keeps the first date (and records nothing), but still ends what may have started since.
      const after =
        before.disabledAt === null
          ? await tx.user.update({ where: { id }, data: { disabledAt: new Date(at), tokenVersion: { increment: 1 } } })
          : before;
      await tx.session.updateMany({ where: { userId: id, revokedAt: null }, data: sessionEnded("USER_DISABLED", at) });
      await voidPendingLinks(tx, id, "ACCOUNT_DISABLED", at);
      return { after, event: before.disabledAt === null ? { kind: "ACCOUNT_DISABLED" } : undefined };
    });
  }

  /** The user may log in again; the sessions that disabling ended stay ended. */
  enable(admin: Caller, id: string, client: ClientInfo): Promise<User> {
    requireUuid(id, "user");
    return this.change(id, actorOf(admin, client), async (tx, before) =>
      before.disabledAt === null
        ? { after: before }
        : { after: await tx.user.update({ where: { id }, data: { disabledAt: null } }), event: { kind: "ACCOUNT_ENABLED" } },
    );
  }

  /** Makes the account with this email an admin: how the first admin comes to be. Its event has no actor: the command line. */
  async grantAdmin(email: string): Promise<User> {
    const found = await this.deps.prisma.user.findUnique({ where: { email: normalizeEmail(email) }, select: { id: true } });
    if (found === null) throw new InputError("email", `There is no account with the email ${normalizeEmail(email)}.`, "NOT_FOUND");
    return this.change(found.id, { actorId: null, sessionId: null, client: null }, (tx, before) => this.roleChange(tx, before, "ADMIN"));
  }

  private async roleChange(tx: Prisma.TransactionClient, before: User, role: Role): Promise<Outcome> {
    if (before.role === role) return { after: before };
    const after = await tx.user.update({ where: { id: before.id }, data: { role } });
    return { after, event: { kind: "ROLE_CHANGED", detail: { from: before.role, to: role } } };
  }

  /** One change of the user, under the user's row lock (sessions/userLock.ts), with its event in the same transaction. */
  private change(id: string, actor: Actor, apply: (tx: Prisma.TransactionClient, before: User) => Promise<Outcome>): Promise<User> {
    const { prisma, now } = this.deps;
    return prisma.$transaction(async (tx) => {
      if ((await lockUser(tx, id)) === undefined) throw notFound("user");
      const { after, event } = await apply(tx, await tx.user.findUniqueOrThrow({ where: { id } }));
      if (event) await recordSecurityEvents(tx, now(), [{ ...event, ...actor, userId: id }]);
      return after;
    });
  }
}

function actorOf(admin: Caller, client: ClientInfo): Actor {
  return { actorId: admin.user.id, sessionId: admin.sessionId, client };
}

/** An admin cannot demote or lock out themself (nor bypass their own second factor): the last admin would leave nobody able to undo it. */
export function refuseOwnAccount(adminId: string, id: string, message: string): void {
  if (id.toLowerCase() === adminId.toLowerCase()) throw new InputError("id", message, "OWN_ACCOUNT");
}
