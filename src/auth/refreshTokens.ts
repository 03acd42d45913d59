import crypto from "node:crypto";

/** 32 random bytes: 256 bits, as RFC 6749 §10.10 and OWASP ask for opaque tokens. */
const REFRESH_TOKEN_BYTES = 32;

/** A new opaque refresh token, base64url so it is safe in headers, cookies and JSON. */
export function generateRefreshToken(): string {
  return crypto.randomBytes(REFRESH_TOKEN_BYTES).toString("base64url");
}

/**
 * What the database keeps instead of the token. A plain SHA-256 is enough: the token has 256 bits
 * of entropy, so there is nothing to brute-force, and a stolen table gives no usable tokens.
 */
export function hashRefreshToken(token: string): string {
  return crypto.createHash("sha256").update(token, "utf8").digest("base64url");
}
