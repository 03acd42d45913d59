import crypto, { type KeyObject } from "node:crypto";
import type pg from "pg";
import { AuthFailure, AuthenticationError, ForbiddenError, ForbiddenReason } from "../../errors";
import type { PrismaClient, User } from "../../generated/prisma/client";
import { SESSION_USER_COLUMNS, userOfRow, type SessionUserRow } from "../authCache/sessionStateQuery";
import type { AccessTokens } from "../tokens/accessTokens";
import { hashOpaqueToken, successorRefreshToken } from "../tokens/opaqueTokens";
import { recordSecurityEvents } from "../securityEvents/recording";
import type { AuthResult, ClientInfo } from "../types";
import { assuranceOf } from "./assurance";
import { sessionEnded, tokenPair } from "./lifecycle";

export interface RefreshRotationDeps {
  /** The hot path: one prepared statement per rotation, through the pool Prisma uses. */
  pool: pg.Pool;
  /** What is not hot: a spent token presented again. */
  prisma: PrismaClient;
  accessTokens: AccessTokens;
  rotationKey: KeyObject;
  refreshTokenTtlSeconds: number;
  reuseIntervalSeconds: number;
  now: () => number;
}

/** The presented token, its session and the session's user, as the rotation found them (and whether it rotated). */
interface PresentedRow extends SessionUserRow {
  tokenExpiresAt: Date;
  spentAt: Date | null;
  successorId: string | null;
  sessionId: string;
  revokedAt: Date | null;
  assuranceLevel: number;
  amr: string[];
  authTime: Date;
  rotated: boolean;
}

/**
 * A rotation in one statement, its own transaction: one round trip, parsed and planned once per
 * pooled connection, where Prisma compiled five queries of an interactive transaction on every
 * refresh (bench/README.md, change 6).
 *
 * `presented` locks the token's row (FOR UPDATE): concurrent refreshes of one token queue there,
 * and the second, once the first commits, reads the row again and finds it spent (READ COMMITTED
 * re-checks a locked row that changed). Only an unspent, unexpired token of a live session of an
 * enabled user rotates: its successor is inserted (id and hash made here, from the derived token:
 * nothing to read back), the token is marked spent and pointed at it, and the session's
 * `lastUsedAt` and `expiresAt` move (an expiry moved later notifies no auth cache:
 * prisma/migrations/*_session_extension_without_notification). The row comes back whatever
 * happened, so the caller says why not.
 *
 * $1 token hash, $2 now, $3 successor id, $4 successor hash, $5 successor's expiry.
 */
const ROTATION = {
  name: "auth-refresh-rotation",
  text: `WITH presented AS (
      SELECT "id", "sessionId", "expiresAt", "spentAt", "successorId" FROM "RefreshToken" WHERE "tokenHash" = $1 FOR UPDATE
    ), found AS (
      SELECT p."id" AS "tokenId", p."expiresAt" AS "tokenExpiresAt", p."spentAt", p."successorId",
             s."id" AS "sessionId", s."userId", s."revokedAt", s."assuranceLevel", s."amr", s."authTime", ${SESSION_USER_COLUMNS}
      FROM presented p JOIN "Session" s ON s."id" = p."sessionId" JOIN "User" u ON u."id" = s."userId"
    ), rotating AS (
      SELECT "tokenId", "sessionId" FROM found
      WHERE "spentAt" IS NULL AND "revokedAt" IS NULL AND "disabledAt" IS NULL AND "tokenExpiresAt" > $2::timestamptz
    ), successor AS (
      INSERT INTO "RefreshToken" ("id", "sessionId", "tokenHash", "createdAt", "expiresAt")
      SELECT $3::uuid, "sessionId", $4, $2::timestamptz, $5::timestamptz FROM rotating
    ), spent AS (
      UPDATE "RefreshToken" t SET "spentAt" = $2::timestamptz, "successorId" = $3::uuid FROM rotating r WHERE t."id" = r."tokenId"
    ), touched AS (
      UPDATE "Session" s SET "lastUsedAt" = $2::timestamptz, "expiresAt" = $5::timestamptz FROM rotating r WHERE s."id" = r."sessionId"
    )
    SELECT found.*, EXISTS (SELECT 1 FROM rotating) AS "rotated" FROM found`,
};

/** A token of a rotation chain, as far as following the chain needs it. */
interface ChainLink {
  successorId: string | null;
  spentAt: Date | null;
  tokenHash: string;
  expiresAt: Date;
}

// Our refresh tokens are 43 base64url characters; anything else is not worth a database read.
const REFRESH_TOKEN_SHAPE = /^[A-Za-z0-9_-]{20,100}$/;

/** Refresh-token rotation: a refresh token is exchanged for a new pair, once. */
export class RefreshRotation {
  constructor(private readonly deps: RefreshRotationDeps) {}

  /**
   * Exchanges a refresh token for a new pair; the presented token is spent. A spent token that
   * comes back within the reuse interval gets the same successor (concurrent tabs, retries); after
   * it, reuse is treated as theft and ends the whole session, whose tokens all stop working.
   */
  async refresh(token: string | undefined, client: ClientInfo): Promise<AuthResult> {
    if (!token || !REFRESH_TOKEN_SHAPE.test(token)) throw new AuthenticationError(AuthFailure.REFRESH_TOKEN_INVALID);
    const now = this.deps.now();
    const successor = successorRefreshToken(token, this.deps.rotationKey);
    const expiresAt = new Date(now + this.deps.refreshTokenTtlSeconds * 1000);
    const { rows } = await this.deps.pool.query<PresentedRow>({
      ...ROTATION,
      values: [hashOpaqueToken(token), new Date(now), crypto.randomUUID(), hashOpaqueToken(successor), expiresAt],
    });
    const presented = rows[0];
    if (!presented) throw new AuthenticationError(AuthFailure.REFRESH_TOKEN_INVALID);
    if (presented.rotated) return this.pair(presented, successor, expiresAt);
    // Before the session check: disabling the user ended this session too, and this says why.
    if (presented.disabledAt !== null) throw new ForbiddenError(ForbiddenReason.ACCOUNT_DISABLED);
    if (presented.revokedAt !== null) throw new AuthenticationError(AuthFailure.SESSION_ENDED);
    if (presented.tokenExpiresAt.getTime() <= now) throw new AuthenticationError(AuthFailure.REFRESH_TOKEN_EXPIRED);
    // Not rotated, so spent: presented again.
    const spentAt = presented.spentAt!;
    if (now - spentAt.getTime() <= this.deps.reuseIntervalSeconds * 1000) return this.newestOfFamily(token, presented);
    await this.endForReuse(presented, client, now);
    throw new AuthenticationError(AuthFailure.REFRESH_TOKEN_REUSED);
  }

  /**
   * Follows the rotation chain from a spent token to the live one, re-deriving each value. The
   * chain's rows were committed before the rotation statement that found this token spent
   * returned, so this later read sees them.
   */
  private async newestOfFamily(token: string, spent: PresentedRow): Promise<AuthResult> {
    let value = token;
    let current: ChainLink | null = { ...spent, tokenHash: "", expiresAt: spent.tokenExpiresAt };
    while (current?.spentAt && current.successorId) {
      value = successorRefreshToken(value, this.deps.rotationKey);
      // No foreign key holds the successor (prisma/migrations/*_refresh_token_successor_unindexed):
      // a chain whose rows went with their session meanwhile just ends.
      current = await this.deps.prisma.refreshToken.findUnique({ where: { id: current.successorId } });
    }
    // A mismatch means the chain was made under another server secret: nothing to hand out.
    if (current?.spentAt !== null || current.tokenHash !== hashOpaqueToken(value)) {
      throw new AuthenticationError(AuthFailure.REFRESH_TOKEN_INVALID);
    }
    return this.pair(spent, value, current.expiresAt);
  }

  /**
   * Reuse after the interval: the whole session ends, recorded once. Whoever presented the token
   * may be the thief or the rightful client: nobody known acted. Two reuses at once end it once.
   */
  private async endForReuse(presented: PresentedRow, client: ClientInfo, now: number): Promise<void> {
    const { sessionId, userId } = presented;
    await this.deps.prisma.$transaction(async (tx) => {
      const { count } = await tx.session.updateMany({
        where: { id: sessionId, revokedAt: null },
        data: sessionEnded("REUSE_DETECTED", now),
      });
      if (count === 1) {
        await recordSecurityEvents(tx, now, [{ kind: "REFRESH_REUSE_DETECTED", userId, actorId: null, sessionId, client }]);
      }
    });
  }

  /** The session keeps what it has proven: a level-1 pair stays level 1 (`secondFactorRequired`), a level-2 one level 2. */
  private pair(row: PresentedRow, refreshToken: string, refreshTokenExpiresAt: Date): AuthResult {
    const user: User = userOfRow(row);
    const paired = { user, sessionId: row.sessionId, assurance: assuranceOf(row), hasSecondFactor: row.hasSecondFactor };
    return tokenPair(this.deps.accessTokens, paired, { refreshToken, refreshTokenExpiresAt });
  }
}
