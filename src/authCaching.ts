import type pg from "pg";
import { AuthCache } from "./auth/authCache/cache";
import { AuthChangeListener } from "./auth/authCache/changeListener";
import type { CurrentAuthCache } from "./auth/authCache/sessionStateReader";
import type { AccessTokens } from "./auth/tokens/accessTokens";
import { VerifiedAccessTokens } from "./auth/tokens/verifiedAccessTokens";
import type { Config } from "./config";
import type { Logger } from "./logger";

/**
 * What this process remembers about authentication: sessions and users (the auth cache, kept
 * current by its change listener) and the access tokens it has verified. All on, or all off with
 * AUTH_CACHE_MAX_ENTRIES=0. Built here, in one place, for src/app.ts (which starts and stops the
 * listener and reports it in readiness) and src/services.ts (which reads through it).
 */
export interface AuthCaching extends CurrentAuthCache {
  listener: AuthChangeListener;
  /** Access tokens verified once per process while they last (until their `exp`). */
  verifiedOnce(accessTokens: AccessTokens): VerifiedAccessTokens;
}

/**
 * The process's one listener connection, and the caching it keeps current: `authCache` is
 * undefined when AUTH_CACHE_MAX_ENTRIES=0 (every request then verifies its token and reads the
 * database), while the listener still runs for the subscriptions' events (src/liveEvents).
 */
export function createAuthCaching(
  config: Config,
  connection: pg.ClientConfig,
  logger: Logger,
  now: () => number,
): { listener: AuthChangeListener; authCache: AuthCaching | undefined } {
  const { maxEntries, ttlSeconds } = config.authCache;
  if (maxEntries === 0) return { listener: new AuthChangeListener({ connection, cache: undefined, logger }), authCache: undefined };
  const cache = new AuthCache({ maxEntries, ttlMs: ttlSeconds * 1000, now });
  const listener = new AuthChangeListener({ connection, cache, logger });
  const authCache: AuthCaching = {
    cache,
    listener,
    verifiedOnce: (accessTokens) =>
      new VerifiedAccessTokens(accessTokens, {
        maxEntries,
        // No token is worth keeping past the access-token lifetime.
        ttlMs: config.jwt.accessTokenTtlSeconds * 1000,
        clockToleranceSeconds: config.jwt.clockToleranceSeconds,
        now,
      }),
  };
  return { listener, authCache };
}
