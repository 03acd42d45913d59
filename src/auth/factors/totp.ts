import crypto from "node:crypto";
import { Secret, TOTP } from "otpauth";

/**
 * TOTP (RFC 6238) as every authenticator app does it by default: HMAC-SHA-1, 6 digits, 30-second
 * steps. The arithmetic is otpauth's, proven against RFC 6238's Appendix B vectors in
 * test/unit/totp.test.ts; this module fixes the parameters and says which step a code is for.
 */
export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;
/** Steps either side of the current one whose codes are accepted: phone clocks drift, and typing takes time. */
const ACCEPTED_STEPS_AROUND_NOW = 1;
/** 160 bits, the HMAC-SHA-1 output size that RFC 4226 §4 recommends for the shared secret. */
const SECRET_BYTES = 20;

/** A new shared secret, base32 (RFC 4648, no padding), as authenticator apps take it. */
export function newTotpSecret(): string {
  return new Secret({ buffer: crypto.randomBytes(SECRET_BYTES).buffer }).base32;
}

/**
 * The Key URI an authenticator app reads from the QR code: `otpauth://totp/<issuer>:<account>?secret=...&issuer=...`.
 * The parameters are the defaults every app assumes, so they are left out. "@" may stand unescaped
 * in a URI path (RFC 3986 §3.3), and apps show the label as it is.
 */
export function totpKeyUri(issuer: string, accountName: string, secret: string): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(accountName).replaceAll("%40", "@")}`;
  return `otpauth://totp/${label}?secret=${secret}&issuer=${encodeURIComponent(issuer)}`;
}

/** The code for the secret at a time (milliseconds since the epoch). */
export function totpCode(secret: string, atMs: number): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS, timestamp: atMs });
}

/**
 * The time step whose code this is, if it is the code of the current step or of one either side;
 * undefined otherwise. The caller refuses a step that is not newer than the last one accepted, so
 * that each code works once.
 */
export function totpTimeStep(secret: string, code: string, atMs: number): number | undefined {
  const options = { secret: Secret.fromBase32(secret), digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS, timestamp: atMs };
  const delta = TOTP.validate({ ...options, token: code, window: ACCEPTED_STEPS_AROUND_NOW });
  return delta === null ? undefined : TOTP.counter(options) + delta;
}
