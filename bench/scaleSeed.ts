// Seeds the scale bench's database: users, one live session each with its refresh token, and
// sessions that expired two days ago (what the cleanup has to delete). Every row is generated
// inside PostgreSQL (INSERT ... SELECT FROM generate_series, in batches), so nothing travels
// row by row; the one bcrypt hash is computed once, in this process, and reused for every user.
// Ids are derived from the row number (md5 of a prefix and the number, as a UUID), so the bench
// can sign a token for session i without reading the table back.
import crypto from "node:crypto";
import type pg from "pg";

/** Rows per INSERT statement: one transaction each, a few seconds, so progress shows. */
const BATCH = 250_000;
/** How long seeded live sessions and their refresh tokens last. */
const LIVE_DAYS = 30;

/** The UUID PostgreSQL computes as md5(text)::uuid. */
export function derivedUuid(text: string): string {
  const hex = crypto.createHash("md5").update(text).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const scaleUserId = (i: number) => derivedUuid(`user:${i}`);
export const scaleSessionId = (i: number) => derivedUuid(`session:${i}`);
export const scaleEmail = (i: number) => `scale-user-${i}@example.com`;
/** The refresh token of live session i: not random (the bench must know it), but of the accepted shape. */
export const scaleRefreshToken = (i: number) => `scale-refresh-token-${i}`;

/** base64url(sha256(token)), as src/auth/tokens/opaqueTokens.ts stores it. */
const TOKEN_HASH_SQL = `rtrim(translate(encode(sha256(convert_to('scale-refresh-token-' || i, 'UTF8')), 'base64'), '+/', '-_'), '=')`;

async function inBatches(from: number, to: number, step: (from: number, to: number) => Promise<void>): Promise<void> {
  for (let start = from; start < to; start += BATCH) await step(start, Math.min(start + BATCH, to));
}

/**
 * Adds users [from, to), each with one live session and its refresh token. Triggers are off for
 * the seeding connection (session_replication_role = replica): no API process has these rows
 * cached, and a million notifications nobody needs would only fill the queue.
 */
export async function seedAccounts(client: pg.Client, from: number, to: number, passwordHash: string): Promise<void> {
  await client.query("SET session_replication_role = replica");
  await inBatches(from, to, async (start, end) => {
    await client.query(
      `INSERT INTO "User" (id, email, name, "passwordHash", "updatedAt")
       SELECT md5('user:' || i)::uuid, 'scale-user-' || i || '@example.com', 'Scale ' || i, $3, now()
       FROM generate_series($1::int, $2::int - 1) AS i`,
      [start, end, passwordHash],
    );
    await client.query(
      `INSERT INTO "Session" (id, "userId", "userAgent", ip, "expiresAt")
       SELECT md5('session:' || i)::uuid, md5('user:' || i)::uuid, 'scale-bench', '127.0.0.1', now() + interval '${LIVE_DAYS} days'
       FROM generate_series($1::int, $2::int - 1) AS i`,
      [start, end],
    );
    await client.query(
      `INSERT INTO "RefreshToken" (id, "sessionId", "tokenHash", "expiresAt")
       SELECT md5('refresh:' || i)::uuid, md5('session:' || i)::uuid, ${TOKEN_HASH_SQL}, now() + interval '${LIVE_DAYS} days'
       FROM generate_series($1::int, $2::int - 1) AS i`,
      [start, end],
    );
  });
  await client.query("SET session_replication_role = DEFAULT");
}

/** Adds `count` sessions (each with a refresh token) that expired two days ago, spread over users [0, accounts). */
export async function seedExpiredSessions(client: pg.Client, count: number, accounts: number): Promise<void> {
  await client.query("SET session_replication_role = replica");
  await inBatches(0, count, async (start, end) => {
    await client.query(
      `INSERT INTO "Session" (id, "userId", "userAgent", ip, "createdAt", "lastUsedAt", "expiresAt")
       SELECT md5('expired:' || i)::uuid, md5('user:' || (i % $3))::uuid, 'scale-bench', '127.0.0.1',
              now() - interval '32 days', now() - interval '2 days', now() - interval '2 days'
       FROM generate_series($1::int, $2::int - 1) AS i`,
      [start, end, accounts],
    );
    await client.query(
      `INSERT INTO "RefreshToken" (id, "sessionId", "tokenHash", "expiresAt")
       SELECT md5('expired-refresh:' || i)::uuid, md5('expired:' || i)::uuid, md5('expired-refresh:' || i), now() - interval '2 days'
       FROM generate_series($1::int, $2::int - 1) AS i`,
      [start, end],
    );
  });
  await client.query("SET session_replication_role = DEFAULT");
}
