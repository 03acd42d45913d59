import crypto from "node:crypto";
import {
  generateAuthenticationOptions,
  type AuthenticatorTransportFuture,
  type PublicKeyCredentialRequestOptionsJSON,
} from "@simplewebauthn/server";
import { AuthFailure, AuthenticationError, ForbiddenError, ForbiddenReason } from "../../errors";
import type { PrismaClient } from "../../generated/prisma/client";
import type { KnownLoginAddresses } from "../limits/knownLoginAddresses";
import type { LoginRateLimiter } from "../limits/loginRateLimiter";
import type { PasskeyLoginRateLimiter } from "../limits/passkeyLoginRateLimiter";
import type { EmailVerification } from "../mailedLinks/emailVerification";
import { recordSecurityEvents } from "../securityEvents/recording";
import { awaitsSecondFactor, passkeyProven } from "../sessions/assurance";
import { newSession, tokenPair } from "../sessions/lifecycle";
import { insertSessionWithinLimit } from "../sessions/perUserLimit";
import type { AccessTokens } from "../tokens/accessTokens";
import type { AuthResult, ClientInfo } from "../types";
import { validateEmail } from "../users/validation";
import { recordPasskeyUse, type PasskeyAssertions } from "./assertions";
import { CHALLENGE_TTL_SECONDS, newLoginHandle, type PasskeyChallenges } from "./challenges";
import { checkAuthenticationResponse, type RelyingParty } from "./relyingParty";

export interface PasskeyLoginDeps {
  prisma: PrismaClient;
  rp: RelyingParty;
  challenges: PasskeyChallenges;
  assertions: PasskeyAssertions;
  accessTokens: AccessTokens;
  loginRateLimiter: LoginRateLimiter;
  /** Counts the starts per client address: each writes a challenge row. */
  startRateLimiter: PasskeyLoginRateLimiter;
  knownAddresses: KnownLoginAddresses;
  verification: EmailVerification;
  /** Keys the stand-in credential ID offered for an email without passkeys. */
  decoyKey: crypto.KeyObject;
  requireVerifiedEmail: boolean;
  refreshTokenTtlSeconds: number;
  maxSessionsPerUser: number;
  now: () => number;
}

/** The options for the browser, and the handle its cookie must bring back. */
export interface PasskeyLoginStart {
  options: PublicKeyCredentialRequestOptionsJSON;
  handle: string;
  handleMaxAgeSeconds: number;
}

/**
 * Signing in with a passkey: options, then the assertion. The session starts at the level the
 * passkey proved (sessions/assurance.ts passkeyProven): with user verification, level 2.
 */
export class PasskeyLogin {
  constructor(private readonly deps: PasskeyLoginDeps) {}

  /**
   * Without an email, the browser offers whichever passkey of this site the user picks
   * (discoverable credentials). With one, the options list that account's passkeys; for an email
   * with none (or no account), one stand-in ID derived from the email, so that the answer does not
   * tell who has an account or a passkey. A start with a valid email (or none) counts on the
   * client address's limit (PASSKEY_LOGIN_MAX_PER_IP) before its challenge is written.
   */
  async start(email: string | null | undefined, client: ClientInfo): Promise<PasskeyLoginStart> {
    const { prisma, rp, challenges, decoyKey } = this.deps;
    const normal = email === null || email === undefined ? undefined : validateEmail(email);
    await this.deps.startRateLimiter.take(client.ip);
    const user = normal === undefined ? null : await prisma.user.findUnique({ where: { email: normal }, include: { passkeys: true } });
    const handle = newLoginHandle();
    const challenge = await challenges.issue("LOGIN", { handle }, user?.id);
    const allowCredentials =
      normal === undefined
        ? undefined
        : user && user.passkeys.length > 0
          ? user.passkeys.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports as AuthenticatorTransportFuture[] }))
          : [{ id: crypto.createHmac("sha256", decoyKey).update(normal).digest("base64url") }];
    const options = await generateAuthenticationOptions({
      rpID: rp.id,
      challenge: Buffer.from(challenge, "base64url"),
      timeout: CHALLENGE_TTL_SECONDS * 1000,
      userVerification: "preferred",
      allowCredentials,
    });
    return { options, handle, handleMaxAgeSeconds: CHALLENGE_TTL_SECONDS };
  }

  /**
   * Checks, in order: the client address's login limit (every failure below keeps its count), the
   * response's shape, origin and RP ID, the challenge this browser was given (spent now, whatever
   * follows), the passkey (known, and the named account's if the login named one), its signature
   * and counter, then the account (disabled, unverified email). Then one transaction records the
   * use and starts the session.
   */
  async finish(value: unknown, handle: string | undefined, client: ClientInfo): Promise<AuthResult> {
    const { prisma, rp, challenges, assertions, loginRateLimiter, knownAddresses, now } = this.deps;
    const attempt = await loginRateLimiter.takeAddress(client.ip);
    const checked = checkAuthenticationResponse(rp, value);
    const bound = await challenges.spend(checked.challenge, "LOGIN", { handle });
    const passkey = await prisma.passkey.findUnique({
      where: { credentialId: checked.response.id },
      include: { user: { include: { _count: { select: { secondFactors: true } } } } },
    });
    const userHandle = checked.response.response.userHandle;
    const claimedBy = userHandle ? Buffer.from(userHandle, "base64url").toString("utf8") : undefined;
    if (
      !passkey ||
      (bound.userId !== null && bound.userId !== passkey.userId) ||
      (claimedBy !== undefined && claimedBy !== passkey.userId)
    ) {
      throw new AuthenticationError(AuthFailure.PASSKEY_UNKNOWN);
    }
    const { user: found, ...stored } = passkey;
    const proof = await assertions.verify(checked, stored, checked.challenge, client, null);
    const { _count: factors, ...user } = found;
    if (user.disabledAt !== null) throw new ForbiddenError(ForbiddenReason.ACCOUNT_DISABLED);
    if (this.deps.requireVerifiedEmail && user.emailVerifiedAt === null) {
      await loginRateLimiter.giveBackAddress(attempt);
      await this.deps.verification.resendQuietly(user);
      throw new ForbiddenError(ForbiddenReason.EMAIL_NOT_VERIFIED);
    }
    const hasSecondFactor = factors.secondFactors > 0;
    const at = now();
    const session = newSession(client, passkeyProven(proof.method, proof.userVerified, at), this.deps.refreshTokenTtlSeconds, at);
    const sessionId = await prisma.$transaction(async (tx) => {
      const { id, endedIds } = await insertSessionWithinLimit(tx, user.id, session, this.deps.maxSessionsPerUser, at);
      await recordPasskeyUse(tx, proof, at);
      if (!awaitsSecondFactor(session.assurance, hasSecondFactor))
        for (const write of knownAddresses.remember(tx, user.id, client.ip)) await write;
      const login = { userId: user.id, actorId: user.id, sessionId: id, client };
      const detail = { method: "PASSKEY", passkeyId: stored.id, userVerified: proof.userVerified };
      await recordSecurityEvents(tx, at, [
        {
          ...login,
          kind: "LOGIN",
          detail: { ...detail, ...(awaitsSecondFactor(session.assurance, hasSecondFactor) && { secondFactorRequired: true }) },
        },
        { ...login, kind: "PASSKEY_USED", detail: { passkeyId: stored.id, purpose: "LOGIN" } },
        ...(endedIds.length > 0 ? [{ ...login, kind: "SESSION_LIMIT" as const, detail: { endedSessionIds: endedIds } }] : []),
      ]);
      return id;
    });
    await loginRateLimiter.giveBackAddress(attempt);
    return tokenPair(this.deps.accessTokens, { user, sessionId, assurance: session.assurance, hasSecondFactor }, session);
  }
}
