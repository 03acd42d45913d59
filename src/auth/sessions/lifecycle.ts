import type { Prisma, User } from "../../generated/prisma/client";
import type { AccessTokens } from "../tokens/accessTokens";
import { generateOpaqueToken, hashOpaqueToken } from "../tokens/opaqueTokens";
import type { AuthResult, ClientInfo } from "../types";

export interface NewSession {
  /** Nested-create data for a session with its first refresh token: one atomic insert. */
  data: Prisma.SessionCreateWithoutUserInput;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
}

/** Why a session ended (Session.revokedReason). */
export type SessionEndReason =
  | "LOGOUT"
  | "LOGOUT_ALL"
  | "PASSWORD_CHANGED"
  | "PASSWORD_RESET"
  | "EMAIL_CHANGED"
  | "REVOKED"
  | "REUSE_DETECTED"
  | "SESSION_LIMIT"
  | "USER_DISABLED";

/** The update that ends a session: every token of it fails from the next request on. */
export function sessionEnded(reason: SessionEndReason, now: number) {
  return { revokedAt: new Date(now), revokedReason: reason };
}

/** A session row to be created with the user (signup) or for an existing user (login). */
export function newSession(client: ClientInfo, refreshTokenTtlSeconds: number, now: number): NewSession {
  const refreshToken = generateOpaqueToken();
  const refreshTokenExpiresAt = new Date(now + refreshTokenTtlSeconds * 1000);
  return {
    refreshToken,
    refreshTokenExpiresAt,
    data: {
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

/** Signs an access token for the session and pairs it with the session's current refresh token. */
export function tokenPair(
  accessTokens: AccessTokens,
  user: User,
  sessionId: string,
  refresh: { refreshToken: string; refreshTokenExpiresAt: Date },
): AuthResult {
  const access = accessTokens.sign({ userId: user.id, sessionId, tokenVersion: user.tokenVersion });
  return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, ...refresh, user };
}
