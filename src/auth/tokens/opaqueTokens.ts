import crypto from "node:crypto";

/** 32 random bytes: 256 bits, as RFC 6749 §10.10 and OWASP ask for opaque tokens. */
const OPAQUE_TOKEN_BYTES = 32;

/**
 * A new opaque token (a refresh token, a mailed link's token), base64url so it is safe in
 * headers, cookies, URLs and JSON: 43 characters.
 */
export function generateOpaqueToken(): string {
  return crypto.randomBytes(OPAQUE_TOKEN_BYTES).toString("base64url");
}

/**
 * What the database keeps instead of the token. A plain SHA-256 is enough: the token has 256 bits
 * of entropy, so there is nothing to brute-force, and a stolen table gives no usable tokens.
 */
export function hashOpaqueToken(token: string): string {
  return crypto.createHash("sha256").update(token, "utf8").digest("base64url");
}

/**
 * The token that replaces `parent` when it is rotated: an HMAC of the parent under a server key.
 * Deriving it (instead of drawing it at random) lets the server hand the *same* successor to
 * every caller that presents the parent within the reuse interval, while storing only hashes.
 * Without the key, a stolen spent token does not reveal its successor.
 */
export function successorRefreshToken(parent: string, rotationKey: crypto.KeyObject): string {
  return crypto.createHmac("sha256", rotationKey).update(parent, "utf8").digest("base64url");
}

/**
 * A 256-bit key for one purpose, derived from the server secret (HKDF-SHA-256, the purpose as
 * its info) so that there is one secret to manage and no key serves two purposes.
 */
export function deriveServerKey(serverSecret: string, purpose: string): crypto.KeyObject {
  return crypto.createSecretKey(Buffer.from(crypto.hkdfSync("sha256", serverSecret, "", purpose, 32)));
}

/** The rotation key, derived from the server secret. */
export function deriveRotationKey(serverSecret: string): crypto.KeyObject {
  return deriveServerKey(serverSecret, "refresh-token-rotation");
}
