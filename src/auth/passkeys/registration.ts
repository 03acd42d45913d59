import {
  generateRegistrationOptions,
  verifyRegistrationResponse,
  type AuthenticatorTransportFuture,
  type PublicKeyCredentialCreationOptionsJSON,
} from "@simplewebauthn/server";
import { isoUint8Array } from "@simplewebauthn/server/helpers";
import { ForbiddenError, ForbiddenReason } from "../../errors";
import { Prisma, type Passkey, type PrismaClient } from "../../generated/prisma/client";
import { recordSecurityEvents } from "../securityEvents/recording";
import type { AssurancePolicy } from "../sessions/assurance";
import { lockUser } from "../sessions/userLock";
import { voidPendingLinks } from "../tokens/pendingLinks";
import { validateName } from "../users/validation";
import type { Caller, ClientInfo } from "../types";
import { CHALLENGE_TTL_SECONDS, type PasskeyChallenges } from "./challenges";
import type { PasskeyNotices } from "./passkeyNotices";
import { checkRegistrationResponse, responseError, type RelyingParty } from "./relyingParty";

/** COSE algorithm identifiers offered: ES256 (-7), which every authenticator has, and RS256 (-257), which Windows Hello uses. */
export const SUPPORTED_ALGORITHMS = [-7, -257];

export interface PasskeyRegistrationDeps {
  prisma: PrismaClient;
  rp: RelyingParty;
  challenges: PasskeyChallenges;
  assurance: AssurancePolicy;
  notices: PasskeyNotices;
  now: () => number;
}

/**
 * A signed-in user adds a passkey: options for the browser, then its response. Both need what
 * startTotpEnrollment needs (schema.graphql's @recentSecondFactor, and for an account without a
 * second factor a recent login): a new way in, put on by whoever holds a stolen session, would
 * outlast the session. The challenge is bound to the user and the session.
 */
export class PasskeyRegistration {
  constructor(private readonly deps: PasskeyRegistrationDeps) {}

  async start(caller: Caller): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const { prisma, rp, challenges } = this.deps;
    requireRecentLogin(this.deps.assurance, caller);
    const { user, sessionId } = caller;
    const existing = await prisma.passkey.findMany({ where: { userId: user.id }, select: { credentialId: true, transports: true } });
    const challenge = await challenges.issue("REGISTRATION", { userId: user.id, sessionId });
    return generateRegistrationOptions({
      rpName: rp.name,
      rpID: rp.id,
      // The WebAuthn user handle: the account's id, which says nothing about the person.
      userID: isoUint8Array.fromUTF8String(user.id),
      userName: user.email,
      userDisplayName: user.name,
      challenge: Buffer.from(challenge, "base64url"),
      timeout: CHALLENGE_TTL_SECONDS * 1000,
      attestationType: "none",
      excludeCredentials: existing.map((passkey) => ({
        id: passkey.credentialId,
        transports: passkey.transports as AuthenticatorTransportFuture[],
      })),
      authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" },
      supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
    });
  }

  /**
   * Verifies the response (its shape, origin and RP ID, then the challenge this session was given,
   * then the attestation with the library) and stores the passkey. Adding a way in voids pending
   * links that move control (tokens/pendingLinks.ts, FACTOR_ADDED); the user is mailed a notice.
   */
  async finish(caller: Caller, value: unknown, name: string | null | undefined, client: ClientInfo): Promise<Passkey> {
    const { prisma, rp, challenges, notices, now } = this.deps;
    requireRecentLogin(this.deps.assurance, caller);
    const passkeyName = validateName(name ?? "Passkey");
    const checked = checkRegistrationResponse(rp, value);
    const { user, sessionId } = caller;
    await challenges.spend(checked.challenge, "REGISTRATION", { userId: user.id, sessionId });
    let info;
    try {
      const result = await verifyRegistrationResponse({
        response: checked.response,
        expectedChallenge: checked.challenge,
        expectedOrigin: [...rp.origins],
        expectedRPID: rp.id,
        requireUserVerification: false,
        supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
      });
      info = result.verified ? result.registrationInfo : undefined;
    } catch {
      info = undefined;
    }
    if (!info) throw responseError("REGISTRATION_REFUSED", "This passkey's registration did not verify. Try again.");
    const { credential, credentialDeviceType } = info;
    const transports = (checked.response.response.transports ?? []).filter((transport) => /^[a-z-]{1,32}$/.test(transport));
    try {
      const passkey = await prisma.$transaction(async (tx) => {
        await lockUser(tx, user.id);
        const at = now();
        const created = await tx.passkey.create({
          data: {
            userId: user.id,
            credentialId: credential.id,
            publicKey: Buffer.from(credential.publicKey),
            signCount: credential.counter,
            transports,
            multiDevice: credentialDeviceType === "multiDevice",
            name: passkeyName,
            createdAt: new Date(at),
          },
        });
        await voidPendingLinks(tx, user.id, "FACTOR_ADDED", at);
        await recordSecurityEvents(tx, at, [
          {
            kind: "PASSKEY_ADDED",
            userId: user.id,
            actorId: user.id,
            sessionId,
            client,
            detail: { passkeyId: created.id, name: passkeyName },
          },
        ]);
        return created;
      });
      notices.added(user, passkeyName);
      return passkey;
    } catch (error) {
      // The credential ID is unique: this authenticator's key is registered already (excludeCredentials
      // asks the browser not to offer it again for this account; another account's is refused here).
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
        throw responseError("PASSKEY_ALREADY_REGISTERED", "This passkey is registered already. Use another authenticator.");
      }
      throw error;
    }
  }
}

/**
 * Step-up for passkeys. With a second factor, @recentSecondFactor has asked for a recent
 * verification already; without one, the session must have signed in (or verified a passkey)
 * recently, since no password is asked for.
 */
export function requireRecentLogin(assurance: AssurancePolicy, caller: Caller): void {
  if (!caller.hasSecondFactor && !assurance.authenticatedRecently(caller)) throw new ForbiddenError(ForbiddenReason.RECENT_LOGIN_REQUIRED);
}
