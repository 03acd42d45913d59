import { LruCache } from "../../cache/lruCache";
import { AuthFailure, AuthenticationError } from "../../errors";
import type { AccessTokens, VerifiedClaims } from "./accessTokens";

export interface VerifiedAccessTokensOptions {
  maxEntries: number;
  /** Longest an entry is kept: the access token lifetime, after which no token is worth keeping. */
  ttlMs: number;
  clockToleranceSeconds: number;
  now?: () => number;
}

/**
 * Remembers the access tokens this process has verified. A client sends the same token with
 * every request until it expires, and verifying it again (a decode, the HMAC or ECDSA check, two
 * JSON parses) was the largest piece of the `me` path we own (bench/README.md). The key is the
 * whole token, signature included, so a token that differs in a single byte is verified afresh.
 * Of the checks, only the one that depends on the clock can change its answer later: a hit is
 * refused once `exp` has passed. Whether the session behind the token is still alive is not this
 * class's business: the caller checks that on every request.
 */
export class VerifiedAccessTokens {
  private readonly verified: LruCache<string, VerifiedClaims>;
  private readonly now: () => number;

  constructor(
    private readonly accessTokens: AccessTokens,
    private readonly options: VerifiedAccessTokensOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.verified = new LruCache(options.maxEntries, options.ttlMs, this.now);
  }

  /** The claims of a valid token; throws AuthenticationError (TOKEN_EXPIRED, TOKEN_INVALID) as AccessTokens.verify does. */
  verify(token: string): VerifiedClaims {
    const hit = this.verified.get(token);
    if (hit) {
      if (Math.floor(this.now() / 1000) > hit.expiresAtSeconds + this.options.clockToleranceSeconds) {
        this.verified.delete(token);
        throw new AuthenticationError(AuthFailure.TOKEN_EXPIRED, new Error("access token refused: exp passed (verified before)"));
      }
      return hit;
    }
    const claims = this.accessTokens.verify(token);
    this.verified.set(token, claims);
    return claims;
  }
}
