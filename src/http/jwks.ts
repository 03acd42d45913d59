/** Where other services fetch the public keys of access tokens (RFC 8414 / OpenID convention). */
export const JWKS_PATH = "/.well-known/jwks.json";

/**
 * Verifiers may cache the key set for a few minutes; a rotation adds the new key well before it
 * signs, so a cache this short never misses a key in use.
 */
export const JWKS_CACHE_CONTROL = "public, max-age=300";
