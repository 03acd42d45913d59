import crypto from "node:crypto";
import { AuthFailure, AuthenticationError, ForbiddenError, ForbiddenReason } from "../../errors";
import type { Prisma } from "../../generated/prisma/client";
import { hashOpaqueToken } from "../tokens/opaqueTokens";
import type { NewSession } from "./lifecycle";
import { lockUser } from "./userLock";

/**
 * The writes that start a session, as common table expressions for one statement: the session,
 * its first refresh token, and the end of the user's oldest live sessions beyond the limit (the
 * new one always stays; `beyond_limit` returns the ended ids). The new session is not in the
 * statement's snapshot, so the newest `maxSessions - 1` others are kept. Run it only with the
 * user's row locked by an earlier statement of the transaction (see insertSessionWithinLimit).
 *
 * $1 user id, $2 session id, $3 ip, $4 user agent, $5 now, $6 expiry, $7 assurance level, $8 amr,
 * $9 auth time, $10 refresh token hash, $11 refresh token id, $12 live sessions allowed. A
 * statement that adds its own expressions numbers its parameters from $13.
 */
export const SESSION_START = `new_session AS (
    INSERT INTO "Session" ("id", "userId", "ip", "userAgent", "createdAt", "lastUsedAt", "expiresAt", "assuranceLevel", "amr", "authTime")
    VALUES ($2::uuid, $1::uuid, $3, $4, $5::timestamptz, $5::timestamptz, $6::timestamptz, $7::int, $8::text[], $9::timestamptz)
  ), first_refresh_token AS (
    INSERT INTO "RefreshToken" ("id", "sessionId", "tokenHash", "createdAt", "expiresAt")
    VALUES ($11::uuid, $2::uuid, $10, $5::timestamptz, $6::timestamptz)
  ), beyond_limit AS (
    UPDATE "Session" SET "revokedAt" = $5::timestamptz, "revokedReason" = 'SESSION_LIMIT'
    WHERE "id" IN (
      SELECT "id" FROM "Session" WHERE "userId" = $1::uuid AND "revokedAt" IS NULL AND "expiresAt" > $5::timestamptz
      ORDER BY "createdAt" DESC, "id" DESC OFFSET $12::int - 1)
    RETURNING "id"
  )`;

/** SESSION_START's parameters, $1 to $12, for a new session with the id `sessionId`. */
export function sessionStartValues(userId: string, sessionId: string, session: NewSession, maxSessions: number, now: number): unknown[] {
  const { data, assurance } = session;
  return [
    userId,
    sessionId,
    data.ip ?? null,
    data.userAgent ?? null,
    new Date(now),
    session.refreshTokenExpiresAt,
    assurance.level,
    assurance.amr,
    assurance.authTime,
    hashOpaqueToken(session.refreshToken),
    crypto.randomUUID(),
    maxSessions,
  ];
}

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
  // commits; its next statement (a fresh snapshot per statement under READ COMMITTED) then
  // includes the first's session. Other users' logins do not wait.
  // The account was deleted after its password was checked (deleteAccount, or an operator): no
  // account, so no session, and the same answer as an unknown email rather than a foreign-key error.
  const locked = await lockUser(tx, userId);
  if (locked === undefined) throw new AuthenticationError(AuthFailure.INVALID_CREDENTIALS);
  // Disabled after the caller checked (an admin's disableUser committed while this waited for the
  // lock): its sessions have ended, and no new one may start after it.
  if (locked.disabledAt !== null) throw new ForbiddenError(ForbiddenReason.ACCOUNT_DISABLED);
  const id = crypto.randomUUID();
  const ended = await tx.$queryRawUnsafe<Array<{ id: string }>>(
    `WITH ${SESSION_START} SELECT "id"::text FROM beyond_limit`,
    ...sessionStartValues(userId, id, session, maxSessions, now),
  );
  return { id, endedIds: ended.map((row) => row.id) };
}
