import {
  generateAuthenticationOptions,
  type AuthenticatorTransportFuture,
  type PublicKeyCredentialRequestOptionsJSON,
} from "@simplewebauthn/server";
import { AuthFailure, AuthenticationError } from "../../errors";
import type { PrismaClient } from "../../generated/prisma/client";
import { raiseSession, type SecondFactorVerificationDeps } from "../factors/verification";
import type { LoginRateLimiter } from "../limits/loginRateLimiter";
import { AuthMethod, secondFactorProven } from "../sessions/assurance";
import type { AuthResult, Caller, ClientInfo } from "../types";
import { recordPasskeyUse, type PasskeyAssertions } from "./assertions";
import { CHALLENGE_TTL_SECONDS, type PasskeyChallenges } from "./challenges";
import { checkAuthenticationResponse, type RelyingParty } from "./relyingParty";

export interface PasskeyVerificationDeps extends Pick<
  SecondFactorVerificationDeps,
  "accessTokens" | "knownAddresses" | "refreshTokenTtlSeconds" | "now"
> {
  prisma: PrismaClient;
  rp: RelyingParty;
  challenges: PasskeyChallenges;
  assertions: PasskeyAssertions;
  loginRateLimiter: LoginRateLimiter;
}

/**
 * A passkey verifies the caller's session, as verifySecondFactor's code does: the second step of a
 * password login (a level-1 session of an account with TOTP), or a fresh proof for step-up. The
 * challenge is bound to the session; only the account's own passkeys are offered and accepted.
 */
export class PasskeyVerification {
  constructor(private readonly deps: PasskeyVerificationDeps) {}

  async start(caller: Caller): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const { prisma, rp, challenges } = this.deps;
    const { user, sessionId } = caller;
    const passkeys = await prisma.passkey.findMany({ where: { userId: user.id }, select: { credentialId: true, transports: true } });
    const challenge = await challenges.issue("VERIFICATION", { userId: user.id, sessionId });
    return generateAuthenticationOptions({
      rpID: rp.id,
      challenge: Buffer.from(challenge, "base64url"),
      timeout: CHALLENGE_TTL_SECONDS * 1000,
      userVerification: "preferred",
      allowCredentials: passkeys.map((passkey) => ({
        id: passkey.credentialId,
        transports: passkey.transports as AuthenticatorTransportFuture[],
      })),
    });
  }

  /**
   * After a password, the passkey is the second factor: level 2, whether or not it verified its
   * user. A session that a passkey without user verification started stays at level 1 unless this
   * one verifies its user: the same key twice is still one factor. Failures count on the address's
   * login limit, like a wrong code.
   */
  async finish(caller: Caller, value: unknown, client: ClientInfo): Promise<AuthResult> {
    const { prisma, rp, challenges, assertions, loginRateLimiter } = this.deps;
    const { user, sessionId } = caller;
    const attempt = await loginRateLimiter.takeAddress(client.ip);
    const checked = checkAuthenticationResponse(rp, value);
    await challenges.spend(checked.challenge, "VERIFICATION", { userId: user.id, sessionId });
    const passkey = await prisma.passkey.findFirst({ where: { credentialId: checked.response.id, userId: user.id } });
    if (!passkey) throw new AuthenticationError(AuthFailure.PASSKEY_UNKNOWN);
    const proof = await assertions.verify(checked, passkey, checked.challenge, client, sessionId);
    const methods = proof.userVerified ? [proof.method, AuthMethod.USER] : [proof.method];
    const secondFactor = caller.assurance.amr.includes(AuthMethod.PASSWORD) || proof.userVerified;
    const result = await prisma.$transaction(async (tx) => {
      const at = this.deps.now();
      await recordPasskeyUse(tx, proof, at);
      const raised = secondFactorProven(caller.assurance, methods, at);
      return raiseSession(tx, this.deps, {
        caller,
        assurance: secondFactor ? raised : { ...raised, level: caller.assurance.level },
        client,
        detail: { method: "PASSKEY", passkeyId: passkey.id, userVerified: proof.userVerified },
        alsoRecord: [
          {
            kind: "PASSKEY_USED",
            userId: user.id,
            actorId: user.id,
            sessionId,
            client,
            detail: { passkeyId: passkey.id, purpose: "VERIFICATION" },
          },
        ],
      });
    });
    await loginRateLimiter.giveBackAddress(attempt);
    return result;
  }
}
