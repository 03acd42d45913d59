import type { IdentityTicketPurpose, Prisma, PrismaClient } from "../../generated/prisma/client";
import { AuthenticationError, AuthFailure, InputError } from "../../errors";
import { lockUserOfCaller } from "../sessions/userLock";
import { generateOpaqueToken, hashOpaqueToken } from "../tokens/opaqueTokens";
import type { Caller } from "../types";

/**
 * The one-time tokens of the identity flows: a login code lives 60 s, a link URL 10 minutes, start
 * to finish (its flow is deleted with it: IdentityFlow.linkTicketId cascades).
 */
export const TICKET_TTL_SECONDS: Record<IdentityTicketPurpose, number> = { LOGIN_CODE: 60, LINK: 600 };

export interface SpentTicket {
  id: string;
  userId: string;
  provider: string;
}

/** Issues and spends identity tickets; only their SHA-256 is stored. */
export class IdentityTickets {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly now: () => number,
  ) {}

  /** A login code for the browser whose binding cookie hashes to `bindingHash`. */
  issueLoginCode(userId: string, provider: string, bindingHash: string): Promise<string> {
    return this.prisma.$transaction((tx) => this.insert(tx, { purpose: "LOGIN_CODE", userId, provider, bindingHash }));
  }

  /**
   * A link URL's token, bound to the caller's session. Stored under the user's lock while the
   * session still holds, like an email-change link (docs/security.md): a credential event that
   * commits after the request was authenticated either ended the session (SESSION_ENDED) or finds
   * the ticket stored, and voids it (tokens/pendingLinks.ts).
   */
  issueLink(caller: Caller, provider: string): Promise<string> {
    return this.prisma.$transaction(async (tx) => {
      if (!(await lockUserOfCaller(tx, caller, this.now()))) throw new AuthenticationError(AuthFailure.SESSION_ENDED);
      return this.insert(tx, { purpose: "LINK", userId: caller.user.id, provider, sessionId: caller.sessionId });
    });
  }

  private async insert(
    tx: Prisma.TransactionClient,
    ticket: { purpose: IdentityTicketPurpose; userId: string; provider: string; bindingHash?: string; sessionId?: string },
  ): Promise<string> {
    const token = generateOpaqueToken();
    const now = this.now();
    // Spent and expired tickets are of no use to anyone: each issue clears them away (an index range scan).
    await tx.identityTicket.deleteMany({ where: { expiresAt: { lt: new Date(now) } } });
    await tx.identityTicket.create({
      data: {
        ...ticket,
        tokenHash: hashOpaqueToken(token),
        createdAt: new Date(now),
        expiresAt: new Date(now + TICKET_TTL_SECONDS[ticket.purpose] * 1000),
      },
    });
    return token;
  }

  /**
   * Spends the ticket, in the one UPDATE that checks it is unused and unexpired. A LOGIN_CODE also
   * needs the browser's binding: a code without its browser is refused, and stays unspent for it.
   * Failures are BAD_USER_INPUT on `field`: LOGIN_CODE_INVALID, LOGIN_CODE_EXPIRED, LOGIN_CODE_USED,
   * BROWSER_MISMATCH (or LINK_* for a link URL).
   */
  async spend(purpose: IdentityTicketPurpose, token: string, field: string, bindingHash?: string): Promise<SpentTicket> {
    const prefix = purpose === "LOGIN_CODE" ? "LOGIN_CODE" : "LINK";
    const what = purpose === "LOGIN_CODE" ? "login code" : "link";
    const found =
      token.length <= 100 ? await this.prisma.identityTicket.findUnique({ where: { tokenHash: hashOpaqueToken(token) } }) : null;
    if (found?.purpose !== purpose) throw new InputError(field, `This ${what} is not valid. Sign in again.`, `${prefix}_INVALID`);
    if (found.bindingHash !== null && found.bindingHash !== bindingHash) {
      throw new InputError(field, `This ${what} belongs to another browser: sign in again from this one.`, "BROWSER_MISMATCH");
    }
    const now = new Date(this.now());
    const { count } = await this.prisma.identityTicket.updateMany({
      where: { id: found.id, usedAt: null, expiresAt: { gt: now } },
      data: { usedAt: now },
    });
    if (count === 0) {
      const expired = found.usedAt === null && found.expiresAt <= now;
      throw expired
        ? new InputError(field, `This ${what} has expired. Sign in again.`, `${prefix}_EXPIRED`)
        : new InputError(field, `This ${what} has been used already. Sign in again.`, `${prefix}_USED`);
    }
    return { id: found.id, userId: found.userId, provider: found.provider };
  }
}
