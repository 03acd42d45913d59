import type { KeyObject } from "node:crypto";
import { AuthFailure, AuthenticationError, ForbiddenError, ForbiddenReason, type AppError } from "../../errors";
import type { Prisma, PrismaClient, Session, User } from "../../generated/prisma/client";
import type { AccessTokens } from "../tokens/accessTokens";
import { hashOpaqueToken, successorRefreshToken } from "../tokens/opaqueTokens";
import { recordSecurityEvents } from "../securityEvents/recording";
import type { AuthResult, ClientInfo } from "../types";
import { assuranceOf } from "./assurance";
import { sessionEnded, tokenPair } from "./lifecycle";

export interface RefreshRotationDeps {
  prisma: PrismaClient;
  accessTokens: AccessTokens;
  rotationKey: KeyObject;
  refreshTokenTtlSeconds: number;
  reuseIntervalSeconds: number;
  now: () => number;
}

/** The presented refresh token's row, read under a row lock. */
interface LockedRefreshToken {
  id: string;
  sessionId: string;
  expiresAt: Date;
  spentAt: Date | null;
  successorId: string | null;
}

type RefreshOutcome = { result: AuthResult } | { failure: AppError };

/** The session of a presented refresh token, with its user and the number of the user's second factors. */
type SessionWithUser = Session & { user: User & { _count: { secondFactors: number } } };

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
    const outcome = await this.deps.prisma.$transaction((tx) => this.rotate(tx, token, client));
    // Failures are returned, not thrown, inside the transaction: a revocation for reuse must commit.
    if ("failure" in outcome) throw outcome.failure;
    return outcome.result;
  }

  private async rotate(tx: Prisma.TransactionClient, token: string, client: ClientInfo): Promise<RefreshOutcome> {
    const now = this.deps.now();
    // The row lock makes concurrent refreshes of one token queue up here: the first creates the
    // successor and commits; the others then see it spent (within the interval) and share it.
    const [presented] = await tx.$queryRaw<LockedRefreshToken[]>`
      SELECT "id", "sessionId", "expiresAt", "spentAt", "successorId"
      FROM "RefreshToken" WHERE "tokenHash" = ${hashOpaqueToken(token)} FOR UPDATE`;
    if (!presented) return { failure: new AuthenticationError(AuthFailure.REFRESH_TOKEN_INVALID) };
    const session = await tx.session.findUniqueOrThrow({
      where: { id: presented.sessionId },
      include: { user: { include: { _count: { select: { secondFactors: true } } } } },
    });
    // Before the session check: disabling the user ended this session too, and this says why.
    if (session.user.disabledAt !== null) return { failure: new ForbiddenError(ForbiddenReason.ACCOUNT_DISABLED) };
    if (session.revokedAt !== null) return { failure: new AuthenticationError(AuthFailure.SESSION_ENDED) };
    if (presented.expiresAt.getTime() <= now) return { failure: new AuthenticationError(AuthFailure.REFRESH_TOKEN_EXPIRED) };

    if (presented.spentAt === null) {
      const successor = successorRefreshToken(token, this.deps.rotationKey);
      const expiresAt = new Date(now + this.deps.refreshTokenTtlSeconds * 1000);
      const created = await tx.refreshToken.create({
        data: { sessionId: session.id, tokenHash: hashOpaqueToken(successor), createdAt: new Date(now), expiresAt },
        select: { id: true },
      });
      await tx.refreshToken.update({ where: { id: presented.id }, data: { spentAt: new Date(now), successorId: created.id } });
      await tx.session.update({ where: { id: session.id }, data: { lastUsedAt: new Date(now), expiresAt } });
      return { result: this.pair(session, successor, expiresAt) };
    }

    if (now - presented.spentAt.getTime() <= this.deps.reuseIntervalSeconds * 1000) {
      return this.newestOfFamily(tx, token, presented, session);
    }

    await tx.session.update({ where: { id: session.id }, data: sessionEnded("REUSE_DETECTED", now) });
    // Whoever presented it may be the thief or the rightful client: nobody known acted.
    await recordSecurityEvents(tx, now, [
      { kind: "REFRESH_REUSE_DETECTED", userId: session.userId, actorId: null, sessionId: session.id, client },
    ]);
    return { failure: new AuthenticationError(AuthFailure.REFRESH_TOKEN_REUSED) };
  }

  /** Follows the rotation chain from a spent token to the live one, re-deriving each value. */
  private async newestOfFamily(
    tx: Prisma.TransactionClient,
    token: string,
    spent: LockedRefreshToken,
    session: SessionWithUser,
  ): Promise<RefreshOutcome> {
    let value = token;
    let current: { successorId: string | null; spentAt: Date | null; tokenHash: string; expiresAt: Date } = { ...spent, tokenHash: "" };
    while (current.spentAt !== null && current.successorId !== null) {
      value = successorRefreshToken(value, this.deps.rotationKey);
      current = await tx.refreshToken.findUniqueOrThrow({ where: { id: current.successorId } });
    }
    // A mismatch means the chain was made under another server secret: nothing to hand out.
    if (current.spentAt !== null || current.tokenHash !== hashOpaqueToken(value)) {
      return { failure: new AuthenticationError(AuthFailure.REFRESH_TOKEN_INVALID) };
    }
    return { result: this.pair(session, value, current.expiresAt) };
  }

  /** The session keeps what it has proven: a level-1 pair stays level 1 (`secondFactorRequired`), a level-2 one level 2. */
  private pair(session: SessionWithUser, refreshToken: string, refreshTokenExpiresAt: Date): AuthResult {
    const { _count: factors, ...user } = session.user;
    const paired = { user, sessionId: session.id, assurance: assuranceOf(session), hasSecondFactor: factors.secondFactors > 0 };
    return tokenPair(this.deps.accessTokens, paired, { refreshToken, refreshTokenExpiresAt });
  }
}
