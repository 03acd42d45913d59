import crypto from "node:crypto";
import { Prisma, type PasskeyCeremony, type PrismaClient } from "../../generated/prisma/client";
import { generateOpaqueToken, hashOpaqueToken } from "../tokens/opaqueTokens";
import { responseError } from "./relyingParty";

/** How long a ceremony may take, from its options to its response (WebAuthn's own timeout is the same). */
export const CHALLENGE_TTL_SECONDS = 300;

/**
 * Who a challenge belongs to. Registration and verification: the caller's user and session (the
 * session's token is what proves the browser). Login: the browser, through an opaque handle in an
 * HttpOnly cookie (only its hash is stored), so that a response taken from one browser cannot be
 * redeemed from another; and, when the login named an email, that account.
 */
export type ChallengeBinding = { userId: string; sessionId: string } | { handle: string | undefined };

/**
 * Single-use WebAuthn challenges (prisma PasskeyChallenge): 32 random bytes, live for five minutes,
 * for one ceremony and one binding. A challenge is spent by the one DELETE that finds it live and
 * bound as asked, so two responses to it cannot both pass.
 */
export class PasskeyChallenges {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly now: () => number,
  ) {}

  /** A new challenge; also deletes expired ones, so that the table holds at most five minutes of starts. */
  async issue(ceremony: PasskeyCeremony, binding: ChallengeBinding, userId?: string): Promise<string> {
    const now = this.now();
    const challenge = crypto.randomBytes(32).toString("base64url");
    await this.prisma.$transaction([
      this.prisma.passkeyChallenge.deleteMany({ where: { expiresAt: { lte: new Date(now) } } }),
      this.prisma.passkeyChallenge.create({
        data: {
          challenge,
          ceremony,
          ...bindingColumns(binding),
          ...(userId !== undefined && { userId }),
          createdAt: new Date(now),
          expiresAt: new Date(now + CHALLENGE_TTL_SECONDS * 1000),
        },
      }),
    ]);
    return challenge;
  }

  /**
   * Spends the challenge a response answers, if it is live and bound as `binding` says; returns the
   * account it was bound to, if any. Else BAD_USER_INPUT, reason CHALLENGE_INVALID: the same
   * answer for a challenge never issued, expired, used already, or asked for elsewhere.
   */
  async spend(challenge: string, ceremony: PasskeyCeremony, binding: ChallengeBinding): Promise<{ userId: string | null }> {
    const columns = bindingColumns(binding);
    // A login without its browser's cookie is bound to no browser: nothing to find.
    if ("handleHash" in columns && columns.handleHash === undefined) throw challengeInvalid();
    try {
      return await this.prisma.passkeyChallenge.delete({
        where: { challenge, ceremony, expiresAt: { gt: new Date(this.now()) }, ...columns },
        select: { userId: true },
      });
    } catch (error) {
      // P2025: no row matched.
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2025") throw challengeInvalid();
      throw error;
    }
  }
}

function challengeInvalid() {
  return responseError(
    "CHALLENGE_INVALID",
    "This passkey request has expired, was used already or was started elsewhere: start again (it lasts 5 minutes, once).",
  );
}

/** A login's browser handle: the opaque value for its cookie. */
export function newLoginHandle(): string {
  return generateOpaqueToken();
}

function bindingColumns(binding: ChallengeBinding) {
  if ("handle" in binding) return { handleHash: binding.handle === undefined ? undefined : hashOpaqueToken(binding.handle) };
  return { userId: binding.userId, sessionId: binding.sessionId };
}
