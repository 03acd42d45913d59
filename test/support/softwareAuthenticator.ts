import crypto from "node:crypto";
import { isoBase64URL, isoCBOR } from "@simplewebauthn/server/helpers";

/**
 * A passkey authenticator in software, for driving the server's WebAuthn ceremonies as a browser
 * and its authenticator would: real P-256 keys (node:crypto), real CBOR ("none" attestation, COSE
 * public keys, built with @simplewebauthn/server's CBOR helpers) and real ES256 signatures over
 * authenticatorData || SHA-256(clientDataJSON). Nothing of the server's verification is stubbed.
 *
 * What a test may change, to play an attacker or an odd authenticator: the page's origin, the RP ID
 * the authenticator scopes to, user verification, a synced (backup-eligible) key, and the counter.
 */
export interface AuthenticatorOptions {
  /** The page's origin, as the browser puts it in clientDataJSON. */
  origin: string;
  /** Whether the authenticator verifies its user (a PIN, a biometric): the UV flag. Default true. */
  userVerification?: boolean;
  /** A synced passkey: backup eligible and backed up. Default false (device-bound). */
  synced?: boolean;
  /** Keep the signature counter at 0, as many platform authenticators do. Default false. */
  zeroCounter?: boolean;
}

interface HeldCredential {
  id: string;
  privateKey: crypto.KeyObject;
  publicKeyCose: Uint8Array;
  /** The WebAuthn user handle of the account it was made for, base64url. */
  userHandle: string;
  rpId: string;
  counter: number;
}

interface CreationOptions {
  challenge: string;
  rp: { id?: string };
  user: { id: string };
}

interface RequestOptions {
  challenge: string;
  rpId?: string;
  allowCredentials?: Array<{ id: string }>;
}

/** What a ceremony may be told to do differently from an honest one. */
export interface Tampering {
  origin?: string;
  rpId?: string;
  /** Sign with this counter instead of the next one. */
  counter?: number;
  /** Use this credential (by id) even if the options do not list it. */
  credentialId?: string;
  /** Flip a bit of the signature. */
  breakSignature?: boolean;
}

export class SoftwareAuthenticator {
  private readonly credentials: HeldCredential[] = [];

  constructor(private readonly options: AuthenticatorOptions) {}

  /** The ids of the passkeys it holds, newest last. */
  get credentialIds(): string[] {
    return this.credentials.map((credential) => credential.id);
  }

  /** navigator.credentials.create: a new key pair for the options' RP and user, as RegistrationResponseJSON. */
  create(optionsJson: unknown, tampering: Tampering = {}): Record<string, unknown> {
    const options = optionsJson as CreationOptions;
    const rpId = tampering.rpId ?? options.rp.id!;
    const existing = tampering.credentialId === undefined ? undefined : this.credentials.find((held) => held.id === tampering.credentialId);
    const credential = existing ?? this.newCredential(rpId, options.user.id);
    const credentialId = isoBase64URL.toBuffer(credential.id);
    const attestedCredentialData = concat(
      new Uint8Array(16), // AAGUID: all zeros, as with "none" attestation
      new Uint8Array([credentialId.length >> 8, credentialId.length & 0xff]),
      credentialId,
      credential.publicKeyCose,
    );
    const authData = concat(this.authDataHeader(rpId, FLAG_AT, credential.counter), attestedCredentialData);
    const attestationObject = isoCBOR.encode(
      new Map<string, unknown>([
        ["fmt", "none"],
        ["attStmt", new Map()],
        ["authData", authData],
      ]) as never,
    );
    const clientDataJSON = this.clientData("webauthn.create", options.challenge, tampering);
    return {
      id: credential.id,
      rawId: credential.id,
      type: "public-key",
      response: {
        clientDataJSON: base64url(clientDataJSON),
        attestationObject: base64url(attestationObject),
        transports: ["internal"],
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }

  /** navigator.credentials.get: an assertion by a held credential the options allow (any, when they list none), as AuthenticationResponseJSON. */
  get(optionsJson: unknown, tampering: Tampering = {}): Record<string, unknown> {
    const options = optionsJson as RequestOptions;
    const rpId = tampering.rpId ?? options.rpId!;
    const allowed = options.allowCredentials?.map((entry) => entry.id) ?? [];
    const credential = this.credentials.find((held) =>
      tampering.credentialId !== undefined
        ? held.id === tampering.credentialId
        : held.rpId === options.rpId && (allowed.length === 0 || allowed.includes(held.id)),
    );
    if (!credential) throw new Error("The authenticator holds no passkey these options allow.");
    if (!this.options.zeroCounter) credential.counter += 1;
    const authData = this.authDataHeader(rpId, 0, tampering.counter ?? credential.counter);
    const clientDataJSON = this.clientData("webauthn.get", options.challenge, tampering);
    const signed = concat(authData, crypto.createHash("sha256").update(clientDataJSON).digest());
    // ES256 signatures in WebAuthn are DER-encoded, which is what node:crypto makes for EC keys.
    const signature = crypto.sign("sha256", signed, credential.privateKey);
    if (tampering.breakSignature) signature[signature.length - 1]! ^= 0x01;
    return {
      id: credential.id,
      rawId: credential.id,
      type: "public-key",
      response: {
        clientDataJSON: base64url(clientDataJSON),
        authenticatorData: base64url(authData),
        signature: base64url(signature),
        userHandle: credential.userHandle,
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }

  private newCredential(rpId: string, userHandle: string): HeldCredential {
    const { privateKey, publicKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = publicKey.export({ format: "jwk" });
    // COSE_Key (RFC 9053): kty EC2 (2), alg ES256 (-7), crv P-256 (1), x, y.
    const publicKeyCose = isoCBOR.encode(
      new Map<number, unknown>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, isoBase64URL.toBuffer(jwk.x!)],
        [-3, isoBase64URL.toBuffer(jwk.y!)],
      ]) as never,
    );
    const credential = { id: crypto.randomBytes(16).toString("base64url"), privateKey, publicKeyCose, userHandle, rpId, counter: 0 };
    this.credentials.push(credential);
    return credential;
  }

  /** rpIdHash (32) | flags (1) | signCount (4, big-endian). */
  private authDataHeader(rpId: string, extraFlags: number, counter: number): Uint8Array {
    const { userVerification = true, synced = false } = this.options;
    const flags = FLAG_UP | (userVerification ? FLAG_UV : 0) | (synced ? FLAG_BE | FLAG_BS : 0) | extraFlags;
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return concat(crypto.createHash("sha256").update(rpId).digest(), new Uint8Array([flags]), count);
  }

  private clientData(type: string, challenge: string, tampering: Tampering): Uint8Array {
    return new TextEncoder().encode(
      JSON.stringify({ type, challenge, origin: tampering.origin ?? this.options.origin, crossOrigin: false }),
    );
  }
}

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64url");
}
