import { AuthFailure, AuthenticationError } from "../errors";
import type { User } from "../generated/prisma/client";
import type { AccessTokenClaims } from "./accessTokens";
import type { SessionStateReader } from "./sessionStateReader";

/** The caller of an authenticated request: the user and the session their token belongs to. */
export interface Caller {
  user: User;
  sessionId: string;
}

/**
 * Turns the Authorization header of a request into its caller. This is the hot path of every
 * authenticated call: one signature check and one read of the session with its user (from this
 * process's cache, which every change in the database invalidates at once, else one indexed
 * query). An ended session, a deleted user or a bumped token version fails here, whatever the
 * token's `exp` says.
 */
export class RequestAuthenticator {
  constructor(
    private readonly sessions: SessionStateReader,
    private readonly accessTokens: { verify(token: string): AccessTokenClaims },
    private readonly now: () => number = Date.now,
  ) {}

  async callerFromAuthorizationHeader(header: string | undefined): Promise<Caller> {
    const claims = this.accessTokens.verify(bearerToken(header));
    const session = await this.sessions.read(claims.sessionId);
    const valid =
      session !== null &&
      session.userId === claims.userId &&
      session.revokedAt === null &&
      session.expiresAt.getTime() > this.now() &&
      session.user.tokenVersion === claims.tokenVersion;
    if (!valid) throw new AuthenticationError(AuthFailure.SESSION_ENDED);
    return { user: session.user, sessionId: claims.sessionId };
  }
}

/**
 * The token from `Authorization: Bearer <token>`. The scheme name is case-insensitive
 * (RFC 9110 §11.1), so `bearer` works too; any other scheme, or none, is refused.
 */
export function bearerToken(header: string | undefined): string {
  if (header === undefined || header.trim() === "") throw new AuthenticationError(AuthFailure.NOT_AUTHENTICATED);
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  if (!match) throw new AuthenticationError(AuthFailure.TOKEN_INVALID);
  return match[1]!;
}
