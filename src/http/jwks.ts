/** Where other services fetch the public keys of access tokens (RFC 8414 / OpenID convention). */
export const JWKS_PATH = "/.well-known/jwks.json";

/**
 * Verifiers may cache the key set for five minutes. Right after a rotation they can meet a `kid`
 * they have not seen yet; they should then fetch the set again (as jose's createRemoteJWKSet does).
 */
export const JWKS_CACHE_CONTROL = "public, max-age=300";
