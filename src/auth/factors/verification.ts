import { AuthFailure, AuthenticationError } from "../../errors";
import type { PrismaClient } from "../../generated/prisma/client";
import type { KnownLoginAddresses } from "../limits/knownLoginAddresses";
import { recordSecurityEvents } from "../securityEvents/recording";
import { assuranceColumns, AuthMethod, secondFactorProven } from "../sessions/assurance";
import { tokenPair } from "../sessions/lifecycle";
import type { AccessTokens } from "../tokens/accessTokens";
import { generateOpaqueToken, hashOpaqueToken } from "../tokens/opaqueTokens";
import type { AuthResult, Caller, ClientInfo } from "../types";
import { METHOD_OF, type SecondFactorProof } from "./codeProof";

export interface SecondFactorVerificationDeps {
  prisma: PrismaClient;
  proof: SecondFactorProof;
  accessTokens: AccessTokens;
  knownAddresses: KnownLoginAddresses;
  refreshTokenTtlSeconds: number;
  now: () => number;
}

/**
 * verifySecondFactor: a code raises the caller's session to level 2, now (sessions/assurance.ts),
 * and the session gets a new pair. After a password login this is the second step; later in a
 * session it is the fresh proof that step-up asks for (@recentSecondFactor).
 */
export class SecondFactorVerification {
  constructor(private readonly deps: SecondFactorVerificationDeps) {}

  verify(caller: Caller, code: string, client: ClientInfo): Promise<AuthResult> {
    const { proof, accessTokens, knownAddresses, refreshTokenTtlSeconds } = this.deps;
    const { user, sessionId } = caller;
    return proof.prove(caller, code, client, async (tx, provenBy) => {
      const now = this.deps.now();
      const assurance = secondFactorProven(caller.assurance, AuthMethod.ONE_TIME_CODE, now);
      const refreshToken = generateOpaqueToken();
      const refreshTokenExpiresAt = new Date(now + refreshTokenTtlSeconds * 1000);
      // The session's refresh tokens, then the session: the order in which a refresh locks them
      // (sessions/refreshRotation.ts), so the two cannot deadlock. The tokens handed out before
      // are spent: one that comes back later counts as reuse, as after any rotation.
      await tx.refreshToken.updateMany({ where: { sessionId, spentAt: null }, data: { spentAt: new Date(now) } });
      await tx.refreshToken.create({
        data: { sessionId, tokenHash: hashOpaqueToken(refreshToken), createdAt: new Date(now), expiresAt: refreshTokenExpiresAt },
      });
      const { count } = await tx.session.updateMany({
        where: { id: sessionId, userId: user.id, revokedAt: null },
        data: { ...assuranceColumns(assurance), lastUsedAt: new Date(now), expiresAt: refreshTokenExpiresAt },
      });
      // Ended while the code was on its way (a logout elsewhere): the code stays unspent.
      if (count === 0) throw new AuthenticationError(AuthFailure.SESSION_ENDED);
      // Only now is the address one the account has fully signed in from (limits/loginRateLimiter.ts).
      for (const write of knownAddresses.remember(tx, user.id, client.ip)) await write;
      await recordSecurityEvents(tx, now, [
        { kind: "SECOND_FACTOR_VERIFIED", userId: user.id, actorId: user.id, sessionId, client, detail: { method: METHOD_OF[provenBy] } },
      ]);
      return tokenPair(accessTokens, { user, sessionId, assurance, hasSecondFactor: true }, { refreshToken, refreshTokenExpiresAt });
    });
  }
}
