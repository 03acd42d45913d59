import { AuthFailure, AuthenticationError, ForbiddenError, ForbiddenReason } from "../../errors";
import type { VerifiedClaims } from "../tokens/accessTokens";
import type { SessionStateReader } from "../authCache/sessionStateReader";
import type { BearerCredential, TokenCaller } from "../types";
import { assuranceOf } from "./assurance";

/**
 * Turns the access token of a request into its caller. This is the hot path of every
 * authenticated call: one signature check and one read of the session with its user (from this
 * process's auth cache, which every change in the database invalidates at once, else one indexed
 * query). An ended session, a deleted or disabled user or a bumped token version fails here,
 * whatever the token's `exp` says.
 */
export class RequestAuthenticator {
  constructor(
    private readonly sessions: SessionStateReader,
    private readonly accessTokens: { verify(token: string): VerifiedClaims },
    private readonly now: () => number = Date.now,
  ) {}

  async authenticate(credential: BearerCredential): Promise<TokenCaller> {
    if (credential.kind === "none") throw new AuthenticationError(AuthFailure.NOT_AUTHENTICATED);
    if (credential.kind === "unusable") throw new AuthenticationError(AuthFailure.TOKEN_INVALID);
    const claims = this.accessTokens.verify(credential.token);
    const session = await this.sessions.read(claims.sessionId);
    // Before the session checks: disabling ended the sessions too, and this says why.
    if (session?.userId === claims.userId && session.user.disabledAt !== null) throw new ForbiddenError(ForbiddenReason.ACCOUNT_DISABLED);
    const ended =
      session?.userId !== claims.userId
        ? "no such session of this user"
        : session.revokedAt !== null
          ? "session ended"
          : session.expiresAt.getTime() <= this.now()
            ? "session expired"
            : session.user.tokenVersion !== claims.tokenVersion
              ? "token version voided"
              : undefined;
    if (ended) throw new AuthenticationError(AuthFailure.SESSION_ENDED, new Error(`access token refused: ${ended}`));
    return {
      user: session!.user,
      sessionId: claims.sessionId,
      assurance: assuranceOf(session!),
      hasSecondFactor: session!.hasSecondFactor,
      accessTokenExpiresAt: claims.expiresAtSeconds * 1000,
    };
  }
}
