import type { User } from "../generated/prisma/client";

/**
 * The auth types that cross folders and layers: the edge makes BearerCredential and ClientInfo,
 * the GraphQL layer holds a Caller and hands AuthResults to clients, and most folders of src/auth
 * take or give one of them. Kept here, importing only the generated User, so that none of those
 * imports pulls in a service.
 */

/** Who is calling, as the edge saw it; stored with a session so users recognise their devices. */
export interface ClientInfo {
  /** An IP address. */
  ip: string | null;
  /** Printable, well-formed and of bounded length: the edge makes it so (src/http/requestReader.ts). */
  userAgent: string | null;
}

/**
 * What the edge found in the request's Authorization header, as a plain value: no header, a
 * Bearer token, or something unusable (another scheme, a malformed value, two headers).
 */
export type BearerCredential = { kind: "none" } | { kind: "bearer"; token: string } | { kind: "unusable" };

/**
 * What a session has proven (sessions/assurance.ts has the model). Level 1: one factor, a
 * password; level 2: a second factor verified as well. `amr` lists the methods as RFC 8176 values
 * and `authTime` is when the user last authenticated in the session; the access tokens carry both.
 */
export interface SessionAssurance {
  level: 1 | 2;
  amr: string[];
  authTime: Date;
}

/** The caller of an authenticated request: the user and the session their token belongs to. */
export interface Caller {
  user: User;
  sessionId: string;
  /** Read with the session on every request, never from the token: verifying a second factor raises it at once. */
  assurance: SessionAssurance;
  /** The account has a confirmed second factor, so a level-1 session of it may only verify it (or log out). */
  hasSecondFactor: boolean;
}

/** The caller an access token proved, with when that token expires: a subscription's socket closes then. */
export interface TokenCaller extends Caller {
  /** The token's `exp`, in milliseconds since the epoch. */
  accessTokenExpiresAt: number;
}

/** What signup, login, refresh, password change and second-factor verification hand to the client. */
export interface AuthResult {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
  user: User;
  /** The session is at level 1 and the account has a second factor: verifySecondFactor comes next. */
  secondFactorRequired: boolean;
}
