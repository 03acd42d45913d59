import crypto, { type JsonWebKey, type KeyObject } from "node:crypto";
import { ConfigError, type JwtAlgorithm, type JwtConfig } from "../../config";

/** A key of access tokens, with the one algorithm it may be used with. */
export interface TokenKey {
  /** Absent only for the HS256 secret, which has no public identity. */
  kid: string | undefined;
  algorithm: JwtAlgorithm;
  /**
   * To sign: the private key or the secret; to verify: the public key or the secret. Prepared
   * once: jsonwebtoken with a KeyObject is far cheaper than with a string.
   */
  key: KeyObject;
}

/** The public half of a key as RFC 7517 publishes it. */
export type PublicJwk = JsonWebKey & { kid: string; alg: JwtAlgorithm; use: "sig" };

const MIN_RSA_BITS = 2048;

/**
 * The keys of the access tokens. HS256: one shared secret, no `kid`, nothing public. ES256/RS256:
 * several private keys, newest first; the newest signs, every one verifies (so tokens signed
 * before a rotation stay valid until their key is removed), each is named by its RFC 7638
 * thumbprint in the token's `kid` and published in the JWKS.
 */
export class SigningKeys {
  private readonly byKid = new Map<string, TokenKey>();

  private constructor(
    readonly signing: TokenKey,
    private readonly published: PublicJwk[],
    verification: TokenKey[],
  ) {
    for (const key of verification) if (key.kid !== undefined) this.byKid.set(key.kid, key);
  }

  /** ES256/RS256: the configured private keys. HS256: the server secret signs access tokens too. */
  static fromConfig(jwt: JwtConfig, serverSecret: string): SigningKeys {
    return jwt.algorithm === "HS256" ? SigningKeys.hmac(serverSecret) : SigningKeys.asymmetric(jwt.algorithm, jwt.privateKeys);
  }

  static hmac(secret: string): SigningKeys {
    const key = crypto.createSecretKey(Buffer.from(secret, "utf8"));
    return new SigningKeys({ kid: undefined, algorithm: "HS256", key }, [], []);
  }

  /** Throws ConfigError when a key does not suit the algorithm or is listed twice. */
  static asymmetric(algorithm: "ES256" | "RS256", privateKeyPems: string[]): SigningKeys {
    const keys = privateKeyPems.map((pem, index) => {
      const privateKey = parsePrivateKey(pem, index);
      checkKeyFitsAlgorithm(privateKey, algorithm, index);
      const publicKey = crypto.createPublicKey(privateKey);
      const jwk = publicKey.export({ format: "jwk" });
      return { kid: thumbprint(jwk), algorithm, privateKey, publicKey, jwk };
    });
    if (new Set(keys.map((k) => k.kid)).size !== keys.length) {
      throw new ConfigError("JWT_PRIVATE_KEYS lists the same key twice.");
    }
    const newest = keys[0]!;
    return new SigningKeys(
      { kid: newest.kid, algorithm, key: newest.privateKey },
      keys.map((k) => ({ ...k.jwk, kid: k.kid, alg: algorithm, use: "sig" })),
      keys.map((k) => ({ kid: k.kid, algorithm, key: k.publicKey })),
    );
  }

  /**
   * The key a token names in its header. No `kid` means the HS256 secret (and nothing in
   * ES256/RS256 mode); an unknown `kid` finds nothing. The header's `alg` is never consulted
   * to pick a key: the key decides the algorithm.
   */
  verificationKey(kid: unknown): TokenKey | undefined {
    if (kid === undefined) return this.signing.algorithm === "HS256" ? this.signing : undefined;
    return typeof kid === "string" ? this.byKid.get(kid) : undefined;
  }

  /** The JSON Web Key Set served at /.well-known/jwks.json (empty with HS256). */
  jwks(): { keys: PublicJwk[] } {
    return { keys: this.published };
  }
}

function parsePrivateKey(pem: string, index: number): KeyObject {
  try {
    return crypto.createPrivateKey(pem);
  } catch {
    throw new ConfigError(`JWT_PRIVATE_KEYS: key number ${index + 1} is not a readable PEM private key.`);
  }
}

function checkKeyFitsAlgorithm(key: KeyObject, algorithm: "ES256" | "RS256", index: number): void {
  const details = key.asymmetricKeyDetails;
  const fits =
    algorithm === "ES256"
      ? key.asymmetricKeyType === "ec" && details?.namedCurve === "prime256v1"
      : key.asymmetricKeyType === "rsa" && (details?.modulusLength ?? 0) >= MIN_RSA_BITS;
  if (!fits) {
    const wanted = algorithm === "ES256" ? "an EC key on the P-256 curve" : `an RSA key of at least ${MIN_RSA_BITS} bits`;
    throw new ConfigError(`JWT_PRIVATE_KEYS: key number ${index + 1} is not ${wanted}, as JWT_ALGORITHM=${algorithm} needs.`);
  }
}

/** RFC 7638: SHA-256 over the required members of the public JWK, in lexicographic order. */
function thumbprint(jwk: JsonWebKey): string {
  const members = jwk.kty === "EC" ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  return crypto.createHash("sha256").update(JSON.stringify(members)).digest("base64url");
}
