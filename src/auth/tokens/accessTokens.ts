import crypto from "node:crypto";
import jwt from "jsonwebtoken";
import { AuthFailure, AuthenticationError } from "../../errors";
import type { SigningKeys } from "./signingKeys";

/** What an access token says about its bearer: the claims every check reads. */
export interface AccessTokenClaims {
  userId: string;
  sessionId: string;
  /** The user's token version when the token was signed; a later bump revokes the token. */
  tokenVersion: number;
}

/**
 * What a token is signed with: its claims, and what its session had proven when it was signed
 * (`amr`, RFC 8176 values, and `auth_time`), for those who read the token. The server itself
 * goes by the session row on every request, which a verification raises at once.
 */
export interface SignedClaims extends AccessTokenClaims {
  amr: string[];
  authTime: Date;
}

/** The claims of a token that passed every check, with its `exp` (seconds since the epoch). */
export interface VerifiedClaims extends AccessTokenClaims {
  expiresAtSeconds: number;
}

export interface SignedAccessToken {
  token: string;
  expiresAt: Date;
}

export interface AccessTokenOptions {
  keys: SigningKeys;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  clockToleranceSeconds: number;
  /** Milliseconds since the epoch; replaced in tests to move time instead of sleeping. */
  now?: () => number;
}

/** Explicit typing (RFC 8725 §3.11, RFC 9068): no other kind of JWT passes as an access token. */
const TOKEN_TYPE = "at+jwt";
/** Real tokens are a few hundred bytes; refusing huge ones bounds the work an attacker can cause. */
export const MAX_TOKEN_LENGTH = 8192;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Signs and verifies access tokens. Built once: the keys are KeyObjects prepared in SigningKeys,
 * which makes each verify about 50x cheaper than passing jsonwebtoken the secret string
 * (measured; see docs/architecture.md).
 */
export class AccessTokens {
  private readonly now: () => number;

  constructor(private readonly options: AccessTokenOptions) {
    this.now = options.now ?? Date.now;
  }

  sign(claims: SignedClaims): SignedAccessToken {
    const issuedAt = Math.floor(this.now() / 1000);
    const expiresAt = issuedAt + this.options.ttlSeconds;
    const { kid, algorithm, key } = this.options.keys.signing;
    // jti (RFC 9068): every token is unique, even two issued for one session in the same second.
    const payload: jwt.JwtPayload = {
      sub: claims.userId,
      sid: claims.sessionId,
      ver: claims.tokenVersion,
      amr: claims.amr,
      auth_time: Math.floor(claims.authTime.getTime() / 1000),
      iat: issuedAt,
      exp: expiresAt,
      jti: crypto.randomUUID(),
    };
    const token = jwt.sign(payload, key, {
      algorithm,
      header: kid === undefined ? { alg: algorithm, typ: TOKEN_TYPE } : { alg: algorithm, typ: TOKEN_TYPE, kid },
      issuer: this.options.issuer,
      audience: this.options.audience,
    });
    return { token, expiresAt: new Date(expiresAt * 1000) };
  }

  /**
   * Checks, in order: size; a header that is a JSON object without `crit`; the key named by `kid`
   * (none: the HS256 secret); signature with that key's one algorithm (so `alg: none` and
   * algorithm confusion fail); `typ`; `iss`; `aud`; `exp` (required), `nbf` and `iat` against the
   * clock with the configured tolerance; then the shape of our own claims. Returns the claims or throws AuthenticationError with reason TOKEN_EXPIRED
   * or TOKEN_INVALID.
   */
  verify(token: string): VerifiedClaims {
    if (token.length > MAX_TOKEN_LENGTH) throw invalid(`longer than ${MAX_TOKEN_LENGTH} characters`);
    const nowSeconds = Math.floor(this.now() / 1000);
    const header = readHeader(token);
    if (!header) throw invalid("header is not a JSON object");
    // RFC 7515 §4.1.11: a `crit` header lists extensions the recipient must understand; we
    // understand none, so a token that has one at all is refused.
    if ("crit" in header) throw invalid("header has crit");
    const verificationKey = this.options.keys.verificationKey(header.kid);
    if (!verificationKey) throw invalid("no key for its kid");
    let decoded: jwt.Jwt;
    try {
      decoded = jwt.verify(token, verificationKey.key, {
        algorithms: [verificationKey.algorithm],
        issuer: this.options.issuer,
        audience: this.options.audience,
        clockTimestamp: nowSeconds,
        clockTolerance: this.options.clockToleranceSeconds,
        complete: true,
      });
    } catch (error) {
      // jsonwebtoken's message names the check: "invalid signature", "jwt audience invalid. expected: ...", "jwt expired".
      const expired = error instanceof jwt.TokenExpiredError;
      throw new AuthenticationError(expired ? AuthFailure.TOKEN_EXPIRED : AuthFailure.TOKEN_INVALID, error);
    }
    const payload = decoded.payload as jwt.JwtPayload;
    const failedCheck = claimsCheckFailed(decoded.header.typ, payload, nowSeconds + this.options.clockToleranceSeconds);
    if (failedCheck) throw invalid(failedCheck);
    return {
      userId: payload.sub!,
      sessionId: payload.sid as string,
      tokenVersion: payload.ver as number,
      expiresAtSeconds: payload.exp!,
    };
  }
}

/** TOKEN_INVALID, with the check that failed as its cause. */
function invalid(failedCheck: string): AuthenticationError {
  return new AuthenticationError(AuthFailure.TOKEN_INVALID, new Error(`access token refused: ${failedCheck}`));
}

/** The first of our own checks on a verified token that fails, or undefined when all pass. */
function claimsCheckFailed(typ: unknown, payload: jwt.JwtPayload, latestIssuedAt: number): string | undefined {
  if (typ !== TOKEN_TYPE) return `typ is not ${TOKEN_TYPE}`;
  if (typeof payload.exp !== "number") return "no exp";
  if (typeof payload.iat !== "number" || payload.iat > latestIssuedAt) return "no iat, or one in the future";
  if (typeof payload.sub !== "string" || !UUID.test(payload.sub)) return "sub is not a UUID";
  if (typeof payload.sid !== "string" || !UUID.test(payload.sid)) return "sid is not a UUID";
  if (!Number.isSafeInteger(payload.ver)) return "ver is not an integer";
  return undefined;
}

/**
 * The token's header if it is a JSON object, else undefined; never throws. Read here rather than
 * with `jwt.decode`, which also parses the payload and throws when a header saying `typ: "JWT"`
 * comes with a payload that is not JSON. Only the key is picked from it: jsonwebtoken reads the
 * header again to verify, and the key, not the header, decides the algorithm.
 */
function readHeader(token: string): Record<string, unknown> | undefined {
  const end = token.indexOf(".");
  if (end < 0) return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, end), "base64url").toString("utf8"));
    return typeof header === "object" && header !== null && !Array.isArray(header) ? (header as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
