import { verifyAuthenticationResponse, type AuthenticationResponseJSON, type AuthenticatorTransportFuture } from "@simplewebauthn/server";
import { AuthFailure, AuthenticationError } from "../../errors";
import type { Passkey, Prisma, PrismaClient } from "../../generated/prisma/client";
import { recordSecurityEvents } from "../securityEvents/recording";
import { AuthMethod, type PasskeyMethod } from "../sessions/assurance";
import type { ClientInfo } from "../types";
import type { CheckedResponse, RelyingParty } from "./relyingParty";

/** What a verified assertion proved. */
export interface AssertionProof {
  passkey: Passkey;
  /** `hwk` for a device-bound key, `swk` for a synced one. */
  method: PasskeyMethod;
  userVerified: boolean;
  newCounter: number;
}

/**
 * Verifies an assertion against the stored passkey: the signature over the authenticator data and
 * the client data (with the spent challenge, the origin and the RP ID: @simplewebauthn/server),
 * then the signature counter. A counter must grow from one use to the next; one that does not
 * means two authenticators hold the key (a copy), so it is refused. An authenticator that always
 * reports 0 keeps no counter, and WebAuthn §6.1.1 allows it. Each refusal of a passkey that exists
 * is a PASSKEY_REFUSED event of its account (the login limits bound how many).
 */
export class PasskeyAssertions {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly rp: RelyingParty,
    private readonly now: () => number,
  ) {}

  async verify(
    checked: CheckedResponse<AuthenticationResponseJSON>,
    passkey: Passkey,
    expectedChallenge: string,
    client: ClientInfo,
    sessionId: string | null,
  ): Promise<AssertionProof> {
    let verified: boolean;
    try {
      const result = await verifyAuthenticationResponse({
        response: checked.response,
        expectedChallenge,
        expectedOrigin: [...this.rp.origins],
        expectedRPID: this.rp.id,
        // The counter is compared below, where a regression has its own answer and event.
        credential: {
          id: passkey.credentialId,
          publicKey: passkey.publicKey,
          counter: 0,
          transports: passkey.transports as AuthenticatorTransportFuture[],
        },
        requireUserVerification: false,
      });
      verified = result.verified;
    } catch {
      verified = false;
    }
    if (!verified) {
      await this.refuse(passkey, client, sessionId, "SIGNATURE_INVALID");
      throw new AuthenticationError(AuthFailure.PASSKEY_REFUSED);
    }
    const stored = Number(passkey.signCount);
    if ((checked.counter > 0 || stored > 0) && checked.counter <= stored) {
      await this.refuse(passkey, client, sessionId, "COUNTER_REGRESSED");
      throw new AuthenticationError(AuthFailure.PASSKEY_COUNTER_REGRESSED);
    }
    return {
      passkey,
      method: passkey.multiDevice ? AuthMethod.SOFTWARE_KEY : AuthMethod.HARDWARE_KEY,
      userVerified: checked.userVerified,
      newCounter: checked.counter,
    };
  }

  private async refuse(passkey: Passkey, client: ClientInfo, sessionId: string | null, reason: string): Promise<void> {
    await recordSecurityEvents(this.prisma, this.now(), [
      { kind: "PASSKEY_REFUSED", userId: passkey.userId, actorId: null, sessionId, client, detail: { passkeyId: passkey.id, reason } },
    ]);
  }
}

/**
 * Records the use in the transaction of what it was for: the new counter and the time. The counter
 * only moves forward: of two assertions with the same counter racing, the second finds it moved
 * and is refused like any regression.
 */
export async function recordPasskeyUse(tx: Prisma.TransactionClient, proof: AssertionProof, now: number): Promise<void> {
  const { passkey, newCounter } = proof;
  const { count } = await tx.passkey.updateMany({
    where: { id: passkey.id, ...(newCounter > 0 && { signCount: { lt: newCounter } }) },
    data: { signCount: newCounter, lastUsedAt: new Date(now) },
  });
  // Deleted meanwhile, or its counter moved past this one.
  if (count === 0) throw new AuthenticationError(AuthFailure.PASSKEY_REFUSED);
}
