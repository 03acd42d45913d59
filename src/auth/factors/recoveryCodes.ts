import crypto from "node:crypto";
import { deriveServerKey } from "../tokens/opaqueTokens";
import type { Prisma } from "../../generated/prisma/client";

/** How many recovery codes a user gets at a time. */
export const RECOVERY_CODE_COUNT = 10;
/** Fewer left than this, and the user is mailed to make new ones. */
export const RECOVERY_CODES_LOW = 3;

/** Crockford's base32: no I, L, O or U, so nothing reads as another character. */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** 16 characters of 5 bits: 80 random bits per code. */
const CODE_CHARACTERS = 16;
const CODE_SHAPE = /^[0-9A-HJKMNP-TV-Z]{16}$/;

/** Ten new codes as the user sees them: `k7q2-9x4m-...`, four groups of four. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const characters = Array.from({ length: CODE_CHARACTERS }, () => ALPHABET[crypto.randomInt(ALPHABET.length)]).join("");
    return characters.toLowerCase().match(/.{4}/g)!.join("-");
  });
}

/**
 * A recovery code as typed, in its one normal form (upper case, no spaces or dashes, the letters
 * Crockford's base32 reads as digits turned into them), or undefined when it cannot be one.
 */
export function normalRecoveryCode(typed: string): string | undefined {
  const code = typed.replace(/[\s-]/g, "").toUpperCase().replace(/O/g, "0").replace(/[IL]/g, "1");
  return CODE_SHAPE.test(code) ? code : undefined;
}

/**
 * What the database keeps of a recovery code: HMAC-SHA-256 under a key derived from the server
 * secret. A slow hash (bcrypt) is for guessable secrets; a code has 80 random bits, which no
 * search exhausts. The key is there for the stolen table: without the server secret its hashes
 * cannot even be tested against guesses, and a fast hash keeps checking a code a single indexed
 * lookup.
 */
export class RecoveryCodeHasher {
  private readonly key: crypto.KeyObject;

  constructor(serverSecret: string) {
    this.key = deriveServerKey(serverSecret, "recovery-code-hashing");
  }

  /** The hash of a code in its normal form (normalRecoveryCode). */
  hash(normalCode: string): string {
    return crypto.createHmac("sha256", this.key).update(normalCode, "utf8").digest("base64url");
  }

  /** Replaces the user's recovery codes with ten new ones, in the caller's transaction; returns them, the one time they are shown. */
  async replace(tx: Prisma.TransactionClient, userId: string, now: number): Promise<string[]> {
    const codes = newRecoveryCodes();
    await tx.recoveryCode.deleteMany({ where: { userId } });
    await tx.recoveryCode.createMany({
      data: codes.map((code) => ({ userId, codeHash: this.hash(normalRecoveryCode(code)!), createdAt: new Date(now) })),
    });
    return codes;
  }
}
