import type { PrismaClient } from "../../generated/prisma/client";
import type { Logger } from "../../logger";

/** Ended sessions are kept this long (for support questions such as "why was I logged out?"). */
const ENDED_SESSION_RETENTION_MS = 24 * 3600 * 1000;

export interface DeletedRows {
  sessions: number;
  refreshTokens: number;
  emailTokens: number;
  securityEvents: number;
  passkeyChallenges: number;
  identityFlows: number;
  identityTickets: number;
}

/**
 * Deletes what can never be used again, so the tables do not grow without bound: sessions that
 * expired or ended more than a day ago (their refresh tokens go with them, by cascade), expired
 * refresh tokens of live sessions (every spent ancestor of a long session), mailed-link tokens
 * expired more than a day ago (kept until then so that a used link is told apart from a forged one),
 * security events older than their retention (SECURITY_EVENT_RETENTION), expired passkey
 * challenges, and expired identity-provider flows and tickets (sign-ins abandoned at the provider,
 * login codes and link URLs never used). A start or a new ticket also clears the expired ones of
 * its table, but the rows of a burst that then stops would stay until the next.
 *
 * In batches of at most `batchSize` rows, each its own short transaction, until none is left: one
 * DELETE of a large backlog would hold its row locks, and queue one notification per session for
 * every API process, until it commits, and could outrun the statement timeout. A batch is picked
 * through an index (expiresAt, revokedAt) and deletes whole rows, so a cleanup cut short leaves
 * nothing half-done and the next run carries on.
 */
export async function deleteEndedSessions(
  prisma: PrismaClient,
  now: number,
  batchSize: number,
  securityEventRetentionSeconds: number,
): Promise<DeletedRows> {
  const cutoff = new Date(now - ENDED_SESSION_RETENTION_MS);
  const expiredBefore = new Date(now);
  const sessions =
    (await untilDone(
      () => prisma.$executeRaw`DELETE FROM "Session" WHERE "id" IN (
        SELECT "id" FROM "Session" WHERE "expiresAt" < ${cutoff} LIMIT ${batchSize})`,
      batchSize,
    )) +
    (await untilDone(
      () => prisma.$executeRaw`DELETE FROM "Session" WHERE "id" IN (
        SELECT "id" FROM "Session" WHERE "revokedAt" < ${cutoff} LIMIT ${batchSize})`,
      batchSize,
    ));
  const refreshTokens = await untilDone(
    () => prisma.$executeRaw`DELETE FROM "RefreshToken" WHERE "id" IN (
      SELECT "id" FROM "RefreshToken" WHERE "expiresAt" < ${expiredBefore} LIMIT ${batchSize})`,
    batchSize,
  );
  const emailTokens = await untilDone(
    () => prisma.$executeRaw`DELETE FROM "EmailToken" WHERE "id" IN (
      SELECT "id" FROM "EmailToken" WHERE "expiresAt" < ${cutoff} LIMIT ${batchSize})`,
    batchSize,
  );
  const eventsBefore = new Date(now - securityEventRetentionSeconds * 1000);
  const securityEvents = await untilDone(
    () => prisma.$executeRaw`DELETE FROM "SecurityEvent" WHERE "id" IN (
      SELECT "id" FROM "SecurityEvent" WHERE "createdAt" < ${eventsBefore} LIMIT ${batchSize})`,
    batchSize,
  );
  const passkeyChallenges = await untilDone(
    () => prisma.$executeRaw`DELETE FROM "PasskeyChallenge" WHERE "challenge" IN (
      SELECT "challenge" FROM "PasskeyChallenge" WHERE "expiresAt" <= ${expiredBefore} LIMIT ${batchSize})`,
    batchSize,
  );
  const identityFlows = await untilDone(
    () => prisma.$executeRaw`DELETE FROM "IdentityFlow" WHERE "id" IN (
      SELECT "id" FROM "IdentityFlow" WHERE "expiresAt" < ${expiredBefore} LIMIT ${batchSize})`,
    batchSize,
  );
  const identityTickets = await untilDone(
    () => prisma.$executeRaw`DELETE FROM "IdentityTicket" WHERE "id" IN (
      SELECT "id" FROM "IdentityTicket" WHERE "expiresAt" < ${expiredBefore} LIMIT ${batchSize})`,
    batchSize,
  );
  return { sessions, refreshTokens, emailTokens, securityEvents, passkeyChallenges, identityFlows, identityTickets };
}

/** Runs a batch until one deletes fewer than a full batch; returns the rows deleted. */
async function untilDone(batch: () => Promise<number>, batchSize: number): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await batch();
    total += deleted;
    if (deleted < batchSize) return total;
  }
}

export interface SessionCleanupSchedule {
  intervalSeconds: number;
  batchSize: number;
  securityEventRetentionSeconds: number;
}

/**
 * Runs the cleanup in every process on a timer. Several processes doing it is harmless (the
 * deletes are idempotent) and needs no coordination. Returns a function that stops the timer.
 */
export function scheduleSessionCleanup(
  prisma: PrismaClient,
  { intervalSeconds, batchSize, securityEventRetentionSeconds }: SessionCleanupSchedule,
  now: () => number,
  logger: Logger,
): () => void {
  const run = () => {
    deleteEndedSessions(prisma, now(), batchSize, securityEventRetentionSeconds).then(
      (deleted) => logger.debug({ deleted }, "ended sessions deleted"),
      (error: unknown) => logger.warn({ err: error }, "session cleanup failed; it runs again later"),
    );
  };
  const timer = setInterval(run, intervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
