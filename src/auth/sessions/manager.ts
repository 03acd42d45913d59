import type pg from "pg";
import { InputError } from "../../errors";
import type { PrismaClient, Session } from "../../generated/prisma/client";
import { requireUuid } from "../../ids";
import { newestFirstPage, type Connection, type PageArgs } from "../../pagination/cursorPages";
import { recordSecurityEvents } from "../securityEvents/recording";
import type { Caller, ClientInfo } from "../types";
import { voidPendingLinks } from "../tokens/pendingLinks";
import { sessionEnded } from "./lifecycle";

export interface SessionManagerDeps {
  prisma: PrismaClient;
  /** The pool Prisma uses: the list of sessions is read through it, as a prepared statement. */
  pool: pg.Pool;
  now: () => number;
}

/**
 * One page of a user's live sessions, newest first, after the keyset position ($3, $4) when there
 * is one: as a named prepared statement, parsed and planned once per pooled connection, where
 * Prisma compiled its `findMany` on every call (bench/README.md, change 7). Every column, so each
 * row is the `Session` Prisma returns.
 *
 * $1 user id, $2 now, $3 position's time or null, $4 position's id or null, $5 rows to read.
 */
const LIVE_SESSIONS_PAGE = {
  name: "auth-live-sessions-page",
  text: `SELECT "id", "userId", "userAgent", "ip", "createdAt", "lastUsedAt", "expiresAt", "revokedAt", "revokedReason",
                "assuranceLevel", "amr", "authTime"
         FROM "Session"
         WHERE "userId" = $1::uuid AND "revokedAt" IS NULL AND "expiresAt" > $2::timestamptz
           AND ($3::timestamptz IS NULL OR ("createdAt", "id") < ($3::timestamptz, $4::uuid))
         ORDER BY "createdAt" DESC, "id" DESC
         LIMIT $5`,
};

/** The signed-in user's control over their own sessions: list them, end one, end them all. */
export class SessionManager {
  constructor(private readonly deps: SessionManagerDeps) {}

  /** Ends the caller's session: its access token fails on the next request, its refresh tokens too. */
  async logout(caller: Caller, client: ClientInfo): Promise<void> {
    const { prisma, now } = this.deps;
    await prisma.$transaction(async (tx) => {
      const { count } = await tx.session.updateMany({
        where: { id: caller.sessionId, revokedAt: null },
        data: sessionEnded("LOGOUT", now()),
      });
      if (count === 1) await recordSecurityEvents(tx, now(), [{ kind: "LOGOUT", ...byCaller(caller), client }]);
    });
  }

  /**
   * Ends every session of the caller. The token version bump also voids every access token, and
   * the links that could move control again (tokens/pendingLinks.ts) are void too: whoever the
   * caller is locking out may have asked for one.
   */
  async logoutAll(caller: Caller, client: ClientInfo): Promise<void> {
    const { prisma, now } = this.deps;
    const userId = caller.user.id;
    // The user row first, then its sessions: the order of a login (./perUserLimit.ts), so the two cannot deadlock.
    await prisma.$transaction(async (tx) => {
      await tx.user.update({ where: { id: userId }, data: { tokenVersion: { increment: 1 } } });
      await tx.session.updateMany({ where: { userId, revokedAt: null }, data: sessionEnded("LOGOUT_ALL", now()) });
      await voidPendingLinks(tx, userId, "LOGOUT_ALL", now());
      await recordSecurityEvents(tx, now(), [{ kind: "LOGOUT_ALL", ...byCaller(caller), client }]);
    });
  }

  /** A page of the caller's live sessions, newest first (ties by id, so pages never overlap). */
  activeSessions(caller: Caller, page: PageArgs): Promise<Connection<Session>> {
    const { pool, now } = this.deps;
    return newestFirstPage(
      page,
      (session) => session.createdAt,
      async ({ take, after }) => {
        const values = [caller.user.id, new Date(now()), after?.at ?? null, after?.id ?? null, take];
        return (await pool.query<Session>({ ...LIVE_SESSIONS_PAGE, values })).rows;
      },
    );
  }

  /** Ends one of the caller's own sessions. Someone else's session id is as unknown as a made-up one. */
  async revokeSession(caller: Caller, sessionId: string, client: ClientInfo): Promise<void> {
    requireUuid(sessionId, "session");
    const { prisma, now } = this.deps;
    const revoked = await prisma.$transaction(async (tx) => {
      const { count } = await tx.session.updateMany({
        where: { id: sessionId, userId: caller.user.id, revokedAt: null },
        data: sessionEnded("REVOKED", now()),
      });
      if (count === 1) {
        await recordSecurityEvents(tx, now(), [
          { kind: "SESSION_REVOKED", ...byCaller(caller), client, detail: { revokedSessionId: sessionId } },
        ]);
      }
      return count === 1;
    });
    if (!revoked) throw new InputError("id", "You have no active session with this id.", "NOT_FOUND");
  }
}

/** An event the caller made about their own account, from their session. */
function byCaller(caller: Caller) {
  return { userId: caller.user.id, actorId: caller.user.id, sessionId: caller.sessionId };
}
