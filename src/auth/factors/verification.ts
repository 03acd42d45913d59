import { AuthFailure, AuthenticationError } from "../../errors";
import type { Prisma, PrismaClient } from "../../generated/prisma/client";
import type { KnownLoginAddresses } from "../limits/knownLoginAddresses";
import { recordSecurityEvents, type NewSecurityEvent, type SecurityEventDetail } from "../securityEvents/recording";
import { assuranceColumns, AuthMethod, secondFactorProven } from "../sessions/assurance";
import { tokenPair } from "../sessions/lifecycle";
import type { AccessTokens } from "../tokens/accessTokens";
import { generateOpaqueToken, hashOpaqueToken } from "../tokens/opaqueTokens";
import type { AuthResult, Caller, ClientInfo, SessionAssurance } from "../types";
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
    return this.deps.proof.prove(caller, code, client, (tx, provenBy) => {
      const assurance = secondFactorProven(caller.assurance, AuthMethod.ONE_TIME_CODE, this.deps.now());
      return raiseSession(tx, this.deps, { caller, assurance, client, detail: { method: METHOD_OF[provenBy] } });
    });
  }
}

/** What a verification proved, and where: the session's new assurance, and the SECOND_FACTOR_VERIFIED event's detail. */
export interface SessionRaise {
  caller: Caller;
  assurance: SessionAssurance;
  client: ClientInfo;
  detail: SecurityEventDetail;
  /** Events recorded with it, in its INSERT (a passkey's PASSKEY_USED). */
  alsoRecord?: readonly NewSecurityEvent[];
}

/**
 * Gives the caller's session the assurance a second factor (a code, a passkey) just proved, in the
 * transaction that spent the proof, with a new pair of tokens. The session's earlier refresh tokens
 * are spent: one that comes back later counts as reuse, as after any rotation.
 */
export async function raiseSession(
  tx: Prisma.TransactionClient,
  deps: Pick<SecondFactorVerificationDeps, "accessTokens" | "knownAddresses" | "refreshTokenTtlSeconds" | "now">,
  { caller, assurance, client, detail, alsoRecord = [] }: SessionRaise,
): Promise<AuthResult> {
  const { accessTokens, knownAddresses, refreshTokenTtlSeconds } = deps;
  const { user, sessionId } = caller;
  const now = deps.now();
  const refreshToken = generateOpaqueToken();
  const refreshTokenExpiresAt = new Date(now + refreshTokenTtlSeconds * 1000);
  // The session's refresh tokens, then the session: the order in which a refresh locks them
  // (sessions/refreshRotation.ts), so the two cannot deadlock.
  await tx.refreshToken.updateMany({ where: { sessionId, spentAt: null }, data: { spentAt: new Date(now) } });
  await tx.refreshToken.create({
    data: { sessionId, tokenHash: hashOpaqueToken(refreshToken), createdAt: new Date(now), expiresAt: refreshTokenExpiresAt },
  });
  const { count } = await tx.session.updateMany({
    where: { id: sessionId, userId: user.id, revokedAt: null },
    data: { ...assuranceColumns(assurance), lastUsedAt: new Date(now), expiresAt: refreshTokenExpiresAt },
  });
  // Ended while the proof was on its way (a logout elsewhere): the proof stays unspent.
  if (count === 0) throw new AuthenticationError(AuthFailure.SESSION_ENDED);
  // Only now is the address one the account has fully signed in from (limits/loginRateLimiter.ts).
  for (const write of knownAddresses.remember(tx, user.id, client.ip)) await write;
  await recordSecurityEvents(tx, now, [
    { kind: "SECOND_FACTOR_VERIFIED", userId: user.id, actorId: user.id, sessionId, client, detail },
    ...alsoRecord,
  ]);
  const paired = { user, sessionId, assurance, hasSecondFactor: caller.hasSecondFactor };
  return tokenPair(accessTokens, paired, { refreshToken, refreshTokenExpiresAt });
}
