import QRCode from "qrcode";
import { ForbiddenError, ForbiddenReason, InputError } from "../../errors";
import type { Prisma, PrismaClient } from "../../generated/prisma/client";
import { assuranceColumns, AuthMethod, secondFactorProven, type AssurancePolicy } from "../sessions/assurance";
import { sessionEnded } from "../sessions/lifecycle";
import { recordSecurityEvents, type NewSecurityEvent } from "../securityEvents/recording";
import { lockUser } from "../sessions/userLock";
import { voidPendingLinks } from "../tokens/pendingLinks";
import type { Caller, ClientInfo } from "../types";
import { METHOD_OF, readOfferedCode, wrongCode, type SecondFactorProof } from "./codeProof";
import type { FactorNotices } from "./factorNotices";
import type { RecoveryCodeHasher } from "./recoveryCodes";
import type { SecretSealer } from "./secretSealing";
import { newTotpSecret, totpKeyUri, totpTimeStep } from "./totp";

/** What the user's authenticator app needs: the secret, typed or scanned from the QR code of the Key URI. */
export interface TotpEnrollmentStart {
  secret: string;
  otpauthUri: string;
  qrCodeSvg: string;
}

export interface SecondFactorSettingsDeps {
  prisma: PrismaClient;
  sealer: SecretSealer;
  recoveryCodes: RecoveryCodeHasher;
  proof: SecondFactorProof;
  notices: FactorNotices;
  assurance: AssurancePolicy;
  /** The name authenticator apps show for this service (TOTP_ISSUER). */
  issuer: string;
  now: () => number;
}

/**
 * The signed-in user's own second factor: turning TOTP on (start, then confirm with a code of the
 * app), new recovery codes, turning it off. Changing a factor that exists needs a recent
 * verification in the session (schema.graphql's @recentSecondFactor, enforced by the rule layer);
 * disabling it and new recovery codes also need a code, given with the request.
 */
export class SecondFactorSettings {
  constructor(private readonly deps: SecondFactorSettingsDeps) {}

  /**
   * A new secret, pending until confirmed: it enforces nothing, and a new start replaces it.
   * While the account has TOTP already, confirming replaces the old app (a new phone). The first
   * factor of an account needs a recent login (AssurancePolicy.authenticatedRecently); a
   * replacement needs a recent verification, which the rule layer asks for.
   */
  async startTotpEnrollment(caller: Caller): Promise<TotpEnrollmentStart> {
    const { prisma, sealer, issuer, assurance, now } = this.deps;
    if (!caller.hasSecondFactor && !assurance.authenticatedRecently(caller)) {
      throw new ForbiddenError(ForbiddenReason.RECENT_LOGIN_REQUIRED);
    }
    const userId = caller.user.id;
    const secret = newTotpSecret();
    const pending = { sealedSecret: sealer.seal(secret, userId), createdAt: new Date(now()) };
    await prisma.pendingTotpEnrollment.upsert({ where: { userId }, create: { userId, ...pending }, update: pending });
    const otpauthUri = totpKeyUri(issuer, caller.user.email, secret);
    return { secret, otpauthUri, qrCodeSvg: await QRCode.toString(otpauthUri, { type: "svg", errorCorrectionLevel: "M", margin: 2 }) };
  }

  /**
   * A code of the app proves it was set up with the pending secret: TOTP is on, with ten new
   * recovery codes, returned this once. The code counts as this session's verification (level 2).
   * A wrong code changes nothing and leaves the enrolment pending.
   */
  async confirmTotpEnrollment(caller: Caller, typed: string, client: ClientInfo): Promise<string[]> {
    const { prisma, sealer, recoveryCodes, notices, now } = this.deps;
    const offered = readOfferedCode(typed);
    if (offered.kind !== "totp") throw new InputError("code", "Enter the code that your authenticator app shows now.");
    const userId = caller.user.id;
    const codes = await prisma.$transaction(async (tx) => {
      await lockUser(tx, userId);
      const pending = await tx.pendingTotpEnrollment.findUnique({ where: { userId } });
      if (!pending) throw new InputError("code", "There is no enrolment to confirm: start one first.", "NO_PENDING_ENROLLMENT");
      const at = now();
      const step = totpTimeStep(sealer.unseal(pending.sealedSecret, userId), offered.code, at);
      if (step === undefined) return undefined;
      await tx.pendingTotpEnrollment.delete({ where: { userId } });
      // One authenticator app per account: a confirmed enrolment replaces the one before.
      const { count: replaced } = await tx.secondFactor.deleteMany({ where: { userId, kind: "TOTP" } });
      await tx.secondFactor.create({
        data: {
          userId,
          kind: "TOTP",
          sealedSecret: pending.sealedSecret,
          lastUsedStep: step,
          createdAt: new Date(at),
          lastUsedAt: new Date(at),
        },
      });
      await voidPendingLinks(tx, userId, "FACTOR_ADDED", at);
      await recordSecurityEvents(tx, at, [
        { ...ownEvent(caller, client), kind: "SECOND_FACTOR_ADDED", detail: { kind: "TOTP", replaced: replaced > 0 } },
      ]);
      const assurance = secondFactorProven(caller.assurance, AuthMethod.ONE_TIME_CODE, at);
      await tx.session.updateMany({ where: { id: caller.sessionId, revokedAt: null }, data: assuranceColumns(assurance) });
      return recoveryCodes.replace(tx, userId, at);
    });
    if (!codes) throw wrongCode();
    notices.added(caller.user);
    return codes;
  }

  /** Ten new recovery codes replace the old ones, used or not. */
  regenerateRecoveryCodes(caller: Caller, code: string, client: ClientInfo): Promise<string[]> {
    return this.deps.proof.prove(caller, code, client, async (tx, provenBy) => {
      const at = this.deps.now();
      const codes = await this.deps.recoveryCodes.replace(tx, caller.user.id, at);
      await recordSecurityEvents(tx, at, [
        { ...ownEvent(caller, client), kind: "RECOVERY_CODES_REGENERATED", detail: { method: METHOD_OF[provenBy] } },
      ]);
      return codes;
    });
  }

  /** TOTP off, with the recovery codes: a password alone signs in again. */
  async disableTotp(caller: Caller, code: string, client: ClientInfo): Promise<true> {
    await this.deps.proof.prove(caller, code, client, async (tx, provenBy) => {
      const at = this.deps.now();
      await removeSecondFactors(tx, caller.user.id, "FACTOR_REMOVED", at);
      await recordSecurityEvents(tx, at, [
        { ...ownEvent(caller, client), kind: "SECOND_FACTOR_REMOVED", detail: { kind: "TOTP", method: METHOD_OF[provenBy] } },
      ]);
    });
    this.deps.notices.removed(caller.user, false);
    return true;
  }
}

/**
 * Deletes the user's second factors, a pending enrolment and the recovery codes, in the caller's
 * transaction (after the user-row lock); returns how many factors there were. The user's sessions
 * that await the factor end: a password alone opened them while the factor guarded the account,
 * and they must not turn into full sessions now. The removal is `event`, and voids the pending
 * links that could move control again (tokens/pendingLinks.ts). Without a factor nothing changes:
 * no session awaits one (a level-1 session of such an account, a password's or a passkey's, is a
 * full one), and a pending enrolment is the user's own business.
 */
export async function removeSecondFactors(
  tx: Prisma.TransactionClient,
  userId: string,
  event: "FACTOR_REMOVED" | "FACTOR_REMOVED_BY_ADMIN",
  now: number,
): Promise<number> {
  const { count } = await tx.secondFactor.deleteMany({ where: { userId } });
  if (count === 0) return 0;
  await tx.pendingTotpEnrollment.deleteMany({ where: { userId } });
  await tx.recoveryCode.deleteMany({ where: { userId } });
  await tx.session.updateMany({
    where: { userId, revokedAt: null, assuranceLevel: { lt: 2 } },
    data: sessionEnded("SECOND_FACTOR_REMOVED", now),
  });
  await voidPendingLinks(tx, userId, event, now);
  return count;
}

/** An event the user did to their own account, from this session. */
function ownEvent(caller: Caller, client: ClientInfo): Pick<NewSecurityEvent, "userId" | "actorId" | "sessionId" | "client"> {
  return { userId: caller.user.id, actorId: caller.user.id, sessionId: caller.sessionId, client };
}
