import crypto from "node:crypto";
import { deriveServerKey } from "../tokens/opaqueTokens";

/** Sealed values start with the format's version, so that another key or cipher can come later. */
const FORMAT = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals TOTP secrets for the database: AES-256-GCM under a key derived from the server secret
 * (HKDF-SHA-256), so a copy of the database alone (a backup, a read-only leak) does not let anyone
 * compute a user's codes. The user's id is bound in as additional data: a sealed secret copied to
 * another user's row does not open. Changing the server secret makes every sealed secret
 * unreadable (docs/security.md says what that means for users).
 */
export class SecretSealer {
  private readonly key: crypto.KeyObject;

  constructor(serverSecret: string) {
    this.key = deriveServerKey(serverSecret, "second-factor-secret-sealing");
  }

  seal(secret: string, userId: string): string {
    const iv = crypto.randomBytes(IV_BYTES);
    const cipher = crypto.createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(userId, "utf8"));
    const sealed = Buffer.concat([iv, cipher.update(secret, "utf8"), cipher.final(), cipher.getAuthTag()]);
    return `${FORMAT}.${sealed.toString("base64url")}`;
  }

  /** The secret; throws when the value was sealed for another user, under another key, or altered. */
  unseal(sealed: string, userId: string): string {
    const [format, body] = sealed.split(".");
    if (format !== FORMAT || body === undefined) throw new Error(`sealed secret of an unknown format "${format}"`);
    const bytes = Buffer.from(body, "base64url");
    const decipher = crypto.createDecipheriv("aes-256-gcm", this.key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(userId, "utf8"));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString("utf8");
  }
}
