import { ForbiddenError, ForbiddenReason } from "../../errors";
import type { PrismaClient } from "../../generated/prisma/client";
import type { KnownLoginAddresses } from "../limits/knownLoginAddresses";
import { recordSecurityEvents } from "../securityEvents/recording";
import { identityProviderProven } from "../sessions/assurance";
import { newSession, tokenPair } from "../sessions/lifecycle";
import { insertSessionWithinLimit } from "../sessions/perUserLimit";
import type { AccessTokens } from "../tokens/accessTokens";
import { hashOpaqueToken } from "../tokens/opaqueTokens";
import type { AuthResult, ClientInfo } from "../types";
import type { IdentityTickets } from "./identityTickets";

export interface IdentitySignInDeps {
  prisma: PrismaClient;
  tickets: IdentityTickets;
  accessTokens: AccessTokens;
  knownAddresses: KnownLoginAddresses;
  refreshTokenTtlSeconds: number;
  maxSessionsPerUser: number;
  now: () => number;
}

/**
 * exchangeLoginCode: the callback's one-time code, from the browser that started the sign-in,
 * for a session. The session starts as a password login's does (sessions/lifecycle.ts), at level 1
 * with `amr: ["fed"]`: an account with a second factor verifies it next, as after a password.
 */
export class IdentitySignIn {
  constructor(private readonly deps: IdentitySignInDeps) {}

  async exchangeLoginCode(code: string, binding: string | undefined, client: ClientInfo): Promise<AuthResult> {
    const { prisma, now } = this.deps;
    const ticket = await this.deps.tickets.spend("LOGIN_CODE", code, "code", binding === undefined ? undefined : hashOpaqueToken(binding));
    const found = await prisma.user.findUnique({ where: { id: ticket.userId }, include: { _count: { select: { secondFactors: true } } } });
    if (!found) throw new ForbiddenError(ForbiddenReason.ACCOUNT_DISABLED);
    const { _count: factors, ...user } = found;
    // Disabled between the callback and now.
    if (user.disabledAt !== null) throw new ForbiddenError(ForbiddenReason.ACCOUNT_DISABLED);
    const hasSecondFactor = factors.secondFactors > 0;
    const at = now();
    const session = newSession(client, identityProviderProven(at), this.deps.refreshTokenTtlSeconds, at);
    const sessionId = await prisma.$transaction(async (tx) => {
      const { id, endedIds } = await insertSessionWithinLimit(tx, user.id, session, this.deps.maxSessionsPerUser, at);
      // As after a password: an address becomes the account's own only once every factor is proven.
      if (!hasSecondFactor) for (const write of this.deps.knownAddresses.remember(tx, user.id, client.ip)) await write;
      const login = { userId: user.id, actorId: user.id, sessionId: id, client };
      await recordSecurityEvents(tx, at, [
        { ...login, kind: "LOGIN", detail: { method: ticket.provider, ...(hasSecondFactor && { secondFactorRequired: true }) } },
        ...(endedIds.length > 0 ? [{ ...login, kind: "SESSION_LIMIT" as const, detail: { endedSessionIds: endedIds } }] : []),
      ]);
      return id;
    });
    return tokenPair(this.deps.accessTokens, { user, sessionId, assurance: session.assurance, hasSecondFactor }, session);
  }
}
