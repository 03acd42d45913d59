import { generateOpaqueToken, hashOpaqueToken } from "../../src/auth/tokens/opaqueTokens";
import type { PrismaClient } from "../../src/generated/prisma/client";

/**
 * A password-reset link's token, stored as the server stores the one it mails (only its hash) and
 * valid for an hour from `now`: for tests about what a reset does, not about the mail.
 */
export async function storedResetLink(prisma: PrismaClient, user: { id: string; email: string }, now = Date.now()): Promise<string> {
  const token = generateOpaqueToken();
  await prisma.emailToken.create({
    data: {
      userId: user.id,
      purpose: "RESET_PASSWORD",
      email: user.email,
      tokenHash: hashOpaqueToken(token),
      expiresAt: new Date(now + 3_600_000),
    },
  });
  return token;
}
