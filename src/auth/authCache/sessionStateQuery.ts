import type pg from "pg";
import type { Role, User } from "../../generated/prisma/client";
import type { SessionWithUser } from "./cache";

/**
 * The hot read of every authenticated request that misses the auth cache: a session with its
 * user, in one statement. Sent as a named prepared statement, so each pooled connection parses
 * and plans it once; Prisma would compile the equivalent `findUnique` (two statements: the
 * session, then its user) in its WebAssembly query compiler on every call, which at scale was
 * most of the cost of a request (bench/README.md, "Cost as the work grows").
 *
 * It reads the same rows as `prisma.session.findUnique({ where: { id }, select: { userId,
 * revokedAt, expiresAt, assuranceLevel, amr, authTime, user: true } })`: every column of the
 * user, so the caller is the same `User` Prisma returns; and, by an index probe in the same
 * statement, whether the user has a second factor. The checks (revoked, expired, disabled, token
 * version) stay with the caller, RequestAuthenticator.
 */
/** The prepared statement's name: one per connection, and what a test filters the request's authentication by. */
export const SESSION_READ_STATEMENT = "auth-session-with-user";

/**
 * Every column but the id of the user `u` whose id is `userId` (an SQL expression), and whether
 * the user has a second factor (an index probe): with the id as "userId" and `userOfRow`, the same
 * `User` Prisma returns. Shared by the statements that read a user with what its requests need.
 */
export function userColumns(userId: string): string {
  return `u."email", u."name", u."passwordHash", u."role", u."tokenVersion", u."disabledAt", u."emailVerifiedAt", u."createdAt", u."updatedAt",
  EXISTS (SELECT 1 FROM "SecondFactor" f WHERE f."userId" = ${userId}) AS "hasSecondFactor"`;
}

/** The user columns of a session `s` joined to its user `u` (this statement's, refresh rotation's). */
export const SESSION_USER_COLUMNS = userColumns('s."userId"');

const SESSION_WITH_USER = {
  name: SESSION_READ_STATEMENT,
  text: `SELECT s."userId", s."revokedAt", s."expiresAt", s."assuranceLevel", s."amr", s."authTime", ${SESSION_USER_COLUMNS}
         FROM "Session" s JOIN "User" u ON u."id" = s."userId"
         WHERE s."id" = $1`,
};

/** The columns of SESSION_USER_COLUMNS, with the session's `userId`, as node-postgres returns them. */
export interface SessionUserRow {
  userId: string;
  email: string;
  name: string;
  passwordHash: string | null;
  role: Role;
  tokenVersion: number;
  disabledAt: Date | null;
  emailVerifiedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  hasSecondFactor: boolean;
}

interface SessionWithUserRow extends SessionUserRow {
  revokedAt: Date | null;
  expiresAt: Date;
  assuranceLevel: number;
  amr: string[];
  authTime: Date;
}

/** The user of a row read with SESSION_USER_COLUMNS. */
export function userOfRow(row: SessionUserRow): User {
  return {
    id: row.userId,
    email: row.email,
    name: row.name,
    passwordHash: row.passwordHash,
    role: row.role,
    tokenVersion: row.tokenVersion,
    disabledAt: row.disabledAt,
    emailVerifiedAt: row.emailVerifiedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** The session with its user, or null when no session has this id (a valid UUID: the token's claims were checked). */
export async function readSessionWithUser(pool: pg.Pool, sessionId: string): Promise<SessionWithUser | null> {
  const { rows } = await pool.query<SessionWithUserRow>({ ...SESSION_WITH_USER, values: [sessionId] });
  const row = rows[0];
  if (!row) return null;
  const { userId, revokedAt, expiresAt, assuranceLevel, amr, authTime, hasSecondFactor } = row;
  return { userId, revokedAt, expiresAt, assuranceLevel, amr, authTime, user: userOfRow(row), hasSecondFactor };
}
