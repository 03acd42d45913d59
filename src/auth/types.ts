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

/** The caller of an authenticated request: the user and the session their token belongs to. */
export interface Caller {
  user: User;
  sessionId: string;
}

/** What signup, login, refresh and password change hand to the client. */
export interface AuthResult {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
  user: User;
}
