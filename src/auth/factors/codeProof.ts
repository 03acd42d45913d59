import { InputError } from "../../errors";
import type { Prisma, PrismaClient } from "../../generated/prisma/client";
import type { LoginRateLimiter } from "../limits/loginRateLimiter";
import { recordSecurityEvents } from "../securityEvents/recording";
import { lockUser } from "../sessions/userLock";
import type { Caller, ClientInfo } from "../types";
import type { FactorNotices } from "./factorNotices";
import { normalRecoveryCode, type RecoveryCodeHasher } from "./recoveryCodes";
import type { SecretSealer } from "./secretSealing";
import { TOTP_DIGITS, totpTimeStep } from "./totp";

/** What proved the factor: a code of the authenticator app, or a recovery code. */
export type ProvenBy = "totp" | "recoveryCode";

type OfferedCode = { kind: "totp"; code: string } | { kind: "recoveryCode"; normal: string };

/** How the security events name what proved, or failed to prove, the factor. */
export const METHOD_OF: Readonly<Record<ProvenBy, string>> = { totp: "TOTP", recoveryCode: "RECOVERY_CODE" };

const TOTP_CODE_SHAPE = new RegExp(`^\\d{${TOTP_DIGITS}}$`);

/** The code as typed, as one of the two kinds; BAD_USER_INPUT (field `code`) when it can be neither. */
export function readOfferedCode(typed: string): OfferedCode {
  const digits = typed.replace(/\s/g, "");
  if (TOTP_CODE_SHAPE.test(digits)) return { kind: "totp", code: digits };
  const normal = normalRecoveryCode(typed);
  if (normal !== undefined) return { kind: "recoveryCode", normal };
  throw new InputError("code", `Enter the ${TOTP_DIGITS}-digit code from your authenticator app, or one of your recovery codes.`);
}

export function wrongCode(): InputError {
  return new InputError(
    "code",
    "This code is wrong, or it was used already. Wait for the next code of your app, or use a recovery code.",
    "WRONG_CODE",
  );
}

export interface SecondFactorProofDeps {
  prisma: PrismaClient;
  sealer: SecretSealer;
  recoveryCodes: RecoveryCodeHasher;
  loginRateLimiter: LoginRateLimiter;
  notices: FactorNotices;
  now: () => number;
}

/**
 * A signed-in user proves they hold the account's second factor with a code: a current TOTP code
 * of their app, or an unused recovery code. Each code works once: a TOTP code's time step must be
 * newer than the last one accepted, and a recovery code is spent. Every attempt is counted on the
 * login limits of the account and the address before the code is looked at, and a wrong code
 * keeps its count, so a guesser gets the same few tries per window as for a password. A wrong
 * code is a SECOND_FACTOR_FAILED event and a spent recovery code a RECOVERY_CODE_USED one, each
 * in the transaction that decided it; the limits bound how many failures can be written.
 */
export class SecondFactorProof {
  constructor(private readonly deps: SecondFactorProofDeps) {}

  /**
   * Checks and spends the code, then runs `then` in the same transaction (which the user-row lock
   * opens: sessions/userLock.ts), so that the code is spent exactly when what it was for happens.
   * Throws NO_SECOND_FACTOR, a malformed code's INVALID, TOO_MANY_REQUESTS or WRONG_CODE.
   */
  async prove<T>(
    caller: Caller,
    typed: string,
    client: ClientInfo,
    then: (tx: Prisma.TransactionClient, provenBy: ProvenBy) => Promise<T>,
  ): Promise<T> {
    const { prisma, loginRateLimiter, notices } = this.deps;
    const { user } = caller;
    if (!caller.hasSecondFactor) throw new InputError("code", "This account has no second factor.", "NO_SECOND_FACTOR");
    const offered = readOfferedCode(typed);
    const attempt = await loginRateLimiter.take(user.email, client.ip);
    const event = { userId: user.id, actorId: user.id, sessionId: caller.sessionId, client };
    const outcome = await prisma.$transaction(async (tx) => {
      await lockUser(tx, user.id);
      const provenBy = await this.spend(tx, user.id, offered);
      const at = this.deps.now();
      if (!provenBy) {
        await recordSecurityEvents(tx, at, [{ ...event, kind: "SECOND_FACTOR_FAILED", detail: { method: METHOD_OF[offered.kind] } }]);
        return undefined;
      }
      const result = await then(tx, provenBy);
      // What a spent recovery code left, once `then` has done its part (new codes, or no factor at all).
      const codesLeft =
        provenBy === "recoveryCode" && (await tx.secondFactor.count({ where: { userId: user.id } })) > 0
          ? await tx.recoveryCode.count({ where: { userId: user.id, usedAt: null } })
          : undefined;
      if (provenBy === "recoveryCode") {
        await recordSecurityEvents(tx, at, [
          { ...event, kind: "RECOVERY_CODE_USED", detail: codesLeft === undefined ? {} : { left: codesLeft } },
        ]);
      }
      return { result, codesLeft };
    });
    if (!outcome) throw wrongCode();
    await loginRateLimiter.giveBack(attempt);
    if (outcome.codesLeft !== undefined) notices.recoveryCodeUsed(user, outcome.codesLeft);
    return outcome.result;
  }

  /** Spends the code if it is good; what proved the factor, or undefined. */
  private async spend(tx: Prisma.TransactionClient, userId: string, offered: OfferedCode): Promise<ProvenBy | undefined> {
    const now = this.deps.now();
    if (offered.kind === "recoveryCode") {
      const { count } = await tx.recoveryCode.updateMany({
        where: { userId, codeHash: this.deps.recoveryCodes.hash(offered.normal), usedAt: null },
        data: { usedAt: new Date(now) },
      });
      return count === 1 ? "recoveryCode" : undefined;
    }
    const factor = await tx.secondFactor.findFirst({ where: { userId, kind: "TOTP" } });
    if (!factor) return undefined;
    const step = totpTimeStep(this.deps.sealer.unseal(factor.sealedSecret, userId), offered.code, now);
    if (step === undefined) return undefined;
    // Replay: a code of the step last accepted, or of an older one, is refused.
    const { count } = await tx.secondFactor.updateMany({
      where: { id: factor.id, lastUsedStep: { lt: step } },
      data: { lastUsedStep: step, lastUsedAt: new Date(now) },
    });
    return count === 1 ? "totp" : undefined;
  }
}
