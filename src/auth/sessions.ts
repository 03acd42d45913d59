import type { Prisma } from "../generated/prisma/client";
import type { ClientInfo } from "./clientInfo";
import { generateRefreshToken, hashRefreshToken } from "./refreshTokens";

export interface NewSession {
  /** Nested-create data for a session with its first refresh token: one atomic insert. */
  data: Prisma.SessionCreateWithoutUserInput;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
}

const USER_AGENT_MAX_LENGTH = 512;

/** A session row to be created with the user (signup) or for an existing user (login). */
export function newSession(client: ClientInfo, refreshTokenTtlSeconds: number, now: number): NewSession {
  const refreshToken = generateRefreshToken();
  const refreshTokenExpiresAt = new Date(now + refreshTokenTtlSeconds * 1000);
  return {
    refreshToken,
    refreshTokenExpiresAt,
    data: {
      ip: client.ip,
      userAgent: client.userAgent?.slice(0, USER_AGENT_MAX_LENGTH) ?? null,
      createdAt: new Date(now),
      lastUsedAt: new Date(now),
      expiresAt: refreshTokenExpiresAt,
      refreshTokens: {
        create: { tokenHash: hashRefreshToken(refreshToken), createdAt: new Date(now), expiresAt: refreshTokenExpiresAt },
      },
    },
  };
}
