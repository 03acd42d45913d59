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
 * ended more than a day ago or expired on a UTC day that ended more than a day ago (kept between
 * one and two days; their refresh tokens go with them, by cascade), expired
 * refresh tokens of live sessions (every spent ancestor of a long session), mailed-link tokens
 * expired more than a day ago (kept until then so that a used link is told apart from a forged one),
 * security events older than their retention (SECURITY_EVENT_RETENTION), expired passkey
 * challenges, and expired identity-provider flows and tickets (sign-ins abandoned at the provider,
 * login codes and link URLs never used). A start or a new ticket also clears the expired ones of
 * its table, but the rows of a burst that then stops would stay until the next.
 *
 * In batches of at most `batchSize` rows, each its own short transaction, until none is left: one
 * DELETE of a large backlog would hold its row locks until it commits, and could outrun the
 * statement timeout. (The rows it deletes notify nobody: their endings were published when they
 * happened, prisma/migrations/*_cleanup_deletes_without_notification.) A batch is picked
 * through an index (expiresDay, revokedAt) and deletes whole rows, so a cleanup cut short leaves
 * nothing half-done and the next run carries on. `pacing` pauses after each full batch, and its
 * signal cuts the cleanup short: the rows deleted until then are returned.
 */
export async function deleteEndedSessions(
  prisma: PrismaClient,
  now: number,
  batchSize: number,
  securityEventRetentionSeconds: number,
  pacing: CleanupPacing = NO_PAUSE,
): Promise<DeletedRows> {
  const untilDone = (batch: () => Promise<number>) => batchesUntilDone(batch, batchSize, pacing);
  const cutoff = new Date(now - ENDED_SESSION_RETENTION_MS);
  const expiredBefore = new Date(now);
  // Expired sessions by the UTC day of their expiry (the indexed column that a refresh leaves
  // alone, prisma/migrations/*_session_expiry_day): a day that ended before the cutoff's began.
  const cutoffDay = cutoff.toISOString().slice(0, 10);
  const sessions =
    (await untilDone(
      () => prisma.$executeRaw`DELETE FROM "Session" WHERE "id" IN (
        SELECT "id" FROM "Session" WHERE "expiresDay" < ${cutoffDay}::date LIMIT ${batchSize})`,
    )) +
    (await untilDone(
      () => prisma.$executeRaw`DELETE FROM "Session" WHERE "id" IN (
        SELECT "id" FROM "Session" WHERE "revokedAt" < ${cutoff} LIMIT ${batchSize})`,
    ));
  const refreshTokens = await untilDone(
    () => prisma.$executeRaw`DELETE FROM "RefreshToken" WHERE "id" IN (
      SELECT "id" FROM "RefreshToken" WHERE "expiresAt" < ${expiredBefore} LIMIT ${batchSize})`,
  );
  const emailTokens = await untilDone(
    () => prisma.$executeRaw`DELETE FROM "EmailToken" WHERE "id" IN (
      SELECT "id" FROM "EmailToken" WHERE "expiresAt" < ${cutoff} LIMIT ${batchSize})`,
  );
  const eventsBefore = new Date(now - securityEventRetentionSeconds * 1000);
  const securityEvents = await untilDone(
    () => prisma.$executeRaw`DELETE FROM "SecurityEvent" WHERE "id" IN (
      SELECT "id" FROM "SecurityEvent" WHERE "createdAt" < ${eventsBefore} LIMIT ${batchSize})`,
  );
  const passkeyChallenges = await untilDone(
    () => prisma.$executeRaw`DELETE FROM "PasskeyChallenge" WHERE "challenge" IN (
      SELECT "challenge" FROM "PasskeyChallenge" WHERE "expiresAt" <= ${expiredBefore} LIMIT ${batchSize})`,
  );
  const identityFlows = await untilDone(
    () => prisma.$executeRaw`DELETE FROM "IdentityFlow" WHERE "id" IN (
      SELECT "id" FROM "IdentityFlow" WHERE "expiresAt" < ${expiredBefore} LIMIT ${batchSize})`,
  );
  const identityTickets = await untilDone(
    () => prisma.$executeRaw`DELETE FROM "IdentityTicket" WHERE "id" IN (
      SELECT "id" FROM "IdentityTicket" WHERE "expiresAt" < ${expiredBefore} LIMIT ${batchSize})`,
  );
  return { sessions, refreshTokens, emailTokens, securityEvents, passkeyChallenges, identityFlows, identityTickets };
}

/**
 * How the cleanup makes room for requests between batches. A batch holds a pooled connection and
 * competes for PostgreSQL's CPU and locks; back to back, batches of a large backlog pushed `me`'s
 * p99 to 2.67x (bench/README.md, "Cost as the work grows"). A pause in proportion to how long the
 * batch took adapts by itself: on a busy database batches take longer, and so do the pauses.
 */
export interface CleanupPacing {
  /** The pause after a full batch, as a multiple of that batch's duration: 1 leaves the database to requests half the time; 0 never pauses. */
  pauseFactor: number;
  /** Aborted on shutdown: a pause ends at once, and no further batch starts. */
  signal?: AbortSignal;
}

const NO_PAUSE: CleanupPacing = { pauseFactor: 0 };

/** Runs a batch until one deletes fewer than a full batch (or the cleanup is stopped); returns the rows deleted. */
async function batchesUntilDone(batch: () => Promise<number>, batchSize: number, { pauseFactor, signal }: CleanupPacing): Promise<number> {
  let total = 0;
  while (!signal?.aborted) {
    const started = performance.now();
    const deleted = await batch();
    total += deleted;
    if (deleted < batchSize) break;
    await pause((performance.now() - started) * pauseFactor, signal);
  }
  return total;
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done);
  });
}

export interface SessionCleanupSchedule {
  intervalSeconds: number;
  batchSize: number;
  pauseFactor: number;
  securityEventRetentionSeconds: number;
}

/**
 * Runs the cleanup in every process on a timer. Several processes doing it is harmless (the
 * deletes are idempotent) and needs no coordination. One run at a time per process: a paced run
 * through a large backlog may outlast the interval. Returns a function that stops the timer, cuts
 * a running cleanup short after its current batch (a pause ends at once) and resolves when it
 * has, so that the database connections can close behind it.
 */
export function scheduleSessionCleanup(
  prisma: PrismaClient,
  { intervalSeconds, batchSize, pauseFactor, securityEventRetentionSeconds }: SessionCleanupSchedule,
  now: () => number,
  logger: Logger,
): () => Promise<void> {
  const stopping = new AbortController();
  let running: Promise<void> | undefined;
  const run = () => {
    if (running) return;
    running = deleteEndedSessions(prisma, now(), batchSize, securityEventRetentionSeconds, { pauseFactor, signal: stopping.signal })
      .then(
        (deleted) => logger.debug({ deleted, cutShort: stopping.signal.aborted }, "ended sessions deleted"),
        (error: unknown) => logger.warn({ err: error }, "session cleanup failed; it runs again later"),
      )
      .finally(() => (running = undefined));
  };
  const timer = setInterval(run, intervalSeconds * 1000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    stopping.abort();
    await running;
  };
}
