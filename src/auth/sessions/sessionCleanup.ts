import type { PrismaClient } from "../../generated/prisma/client";
import type { Logger } from "../../logger";

/** Ended sessions are kept this long (for support questions such as "why was I logged out?"). */
const ENDED_SESSION_RETENTION_MS = 24 * 3600 * 1000;

/**
 * Deletes what can never be used again, so the tables do not grow without bound: sessions that
 * expired or ended more than a day ago (their refresh tokens go with them, by cascade), expired
 * refresh tokens of live sessions (every spent ancestor of a long session), and mailed-link tokens
 * expired more than a day ago (kept until then so that a used link is told apart from a forged one).
 */
export async function deleteEndedSessions(
  prisma: PrismaClient,
  now: number,
): Promise<{ sessions: number; refreshTokens: number; emailTokens: number }> {
  const cutoff = new Date(now - ENDED_SESSION_RETENTION_MS);
  const [sessions, refreshTokens, emailTokens] = await prisma.$transaction([
    prisma.session.deleteMany({ where: { OR: [{ expiresAt: { lt: cutoff } }, { revokedAt: { lt: cutoff } }] } }),
    prisma.refreshToken.deleteMany({ where: { expiresAt: { lt: new Date(now) } } }),
    prisma.emailToken.deleteMany({ where: { expiresAt: { lt: cutoff } } }),
  ]);
  return { sessions: sessions.count, refreshTokens: refreshTokens.count, emailTokens: emailTokens.count };
}

/**
 * Runs the cleanup in every process on a timer. Several processes doing it is harmless (the
 * deletes are idempotent) and needs no coordination. Returns a function that stops the timer.
 */
export function scheduleSessionCleanup(prisma: PrismaClient, intervalSeconds: number, now: () => number, logger: Logger): () => void {
  const run = () => {
    deleteEndedSessions(prisma, now()).then(
      (deleted) => logger.debug({ deleted }, "ended sessions deleted"),
      (error: unknown) => logger.warn({ err: error }, "session cleanup failed; it runs again later"),
    );
  };
  const timer = setInterval(run, intervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
