import type { Prisma, User } from "../../generated/prisma/client";
import type { AccessTokens } from "../tokens/accessTokens";
import { generateOpaqueToken, hashOpaqueToken } from "../tokens/opaqueTokens";
import type { AuthResult, ClientInfo, SessionAssurance } from "../types";
import { assuranceColumns, awaitsSecondFactor } from "./assurance";

export interface NewSession {
  /** Nested-create data for a session with its first refresh token: one atomic insert. */
  data: Prisma.SessionCreateWithoutUserInput;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
  assurance: SessionAssurance;
}

/** Why a session ended (Session.revokedReason). */
export const SESSION_END_REASONS = [
  "LOGOUT",
  "LOGOUT_ALL",
  "PASSWORD_CHANGED",
  "PASSWORD_RESET",
  "EMAIL_CHANGED",
  "REVOKED",
  "REUSE_DETECTED",
  "SESSION_LIMIT",
  "USER_DISABLED",
  "SECOND_FACTOR_REMOVED",
] as const;
export type SessionEndReason = (typeof SESSION_END_REASONS)[number];

/** The update that ends a session: every token of it fails from the next request on. */
export function sessionEnded(reason: SessionEndReason, now: number) {
  return { revokedAt: new Date(now), revokedReason: reason };
}

/** A session row to be created with the user (signup) or for an existing user (login), with what started it. */
export function newSession(client: ClientInfo, assurance: SessionAssurance, refreshTokenTtlSeconds: number, now: number): NewSession {
  const refreshToken = generateOpaqueToken();
  const refreshTokenExpiresAt = new Date(now + refreshTokenTtlSeconds * 1000);
  return {
    refreshToken,
    refreshTokenExpiresAt,
    assurance,
    data: {
      ...assuranceColumns(assurance),
      ip: client.ip,
      userAgent: client.userAgent,
      createdAt: new Date(now),
      lastUsedAt: new Date(now),
      expiresAt: refreshTokenExpiresAt,
      refreshTokens: {
        create: { tokenHash: hashOpaqueToken(refreshToken), createdAt: new Date(now), expiresAt: refreshTokenExpiresAt },
      },
    },
  };
}

/** The session a pair of tokens is for: whose it is and what it has proven. */
export interface PairedSession {
  user: User;
  sessionId: string;
  assurance: SessionAssurance;
  /** The account has a second factor: a level-1 pair comes with `secondFactorRequired`. */
  hasSecondFactor: boolean;
}

/** Signs an access token for the session and pairs it with the session's current refresh token. */
export function tokenPair(
  accessTokens: AccessTokens,
  { user, sessionId, assurance, hasSecondFactor }: PairedSession,
  refresh: { refreshToken: string; refreshTokenExpiresAt: Date },
): AuthResult {
  const access = accessTokens.sign({
    userId: user.id,
    sessionId,
    tokenVersion: user.tokenVersion,
    amr: assurance.amr,
    authTime: assurance.authTime,
  });
  return {
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt,
    refreshToken: refresh.refreshToken,
    refreshTokenExpiresAt: refresh.refreshTokenExpiresAt,
    user,
    secondFactorRequired: awaitsSecondFactor(assurance, hasSecondFactor),
  };
}
