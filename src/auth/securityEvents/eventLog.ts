import { InputError } from "../../errors";
import type { PrismaClient, SecurityEvent } from "../../generated/prisma/client";
import { requireUuid } from "../../ids";
import { afterPosition, newestFirstPage, type Connection, type PageArgs } from "../../pagination/cursorPages";
import type { Caller } from "../types";
import { isSecurityEventKind, SECURITY_EVENT_KINDS } from "./kinds";

export interface SecurityEventFilter extends PageArgs {
  /** Only this account's events. */
  userId?: string | null;
  /** Only events of this kind. */
  kind?: string | null;
}

/** Reading the security event log: a user their own events, admins everyone's. Newest first, a keyset page at a time. */
export class SecurityEventLog {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * The caller's own account's events. Of an event someone else did to the account (an admin),
   * the user sees who and what, but not that person's address, user agent or session.
   */
  async mine(caller: Caller, page: PageArgs): Promise<Connection<SecurityEvent>> {
    const userId = caller.user.id;
    const { edges, pageInfo } = await this.page({ userId }, page);
    const byOther = (event: SecurityEvent) => event.actorId !== null && event.actorId !== userId;
    return {
      edges: edges.map(({ cursor, node }) => ({
        cursor,
        node: byOther(node) ? { ...node, ip: null, userAgent: null, sessionId: null } : node,
      })),
      pageInfo,
    };
  }

  /** Every account's events, or one account's, or one kind's. */
  all({ userId, kind, ...page }: SecurityEventFilter): Promise<Connection<SecurityEvent>> {
    if (userId != null) requireUuid(userId, "user", "userId");
    if (kind != null && !isSecurityEventKind(kind)) {
      throw new InputError("kind", `kind must be one of ${SECURITY_EVENT_KINDS.join(", ")}.`);
    }
    return this.page({ ...(userId != null && { userId }), ...(kind != null && { kind }) }, page);
  }

  private page(where: { userId?: string; kind?: string }, page: PageArgs): Promise<Connection<SecurityEvent>> {
    return newestFirstPage(
      page,
      (event) => event.createdAt,
      ({ take, after }) =>
        this.prisma.securityEvent.findMany({
          where: { ...where, ...afterPosition("createdAt", after) },
          orderBy: [{ createdAt: "desc" }, { id: "desc" }],
          take,
        }),
    );
  }
}
