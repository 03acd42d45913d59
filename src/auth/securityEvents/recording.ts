import type pg from "pg";
import type { Prisma } from "../../generated/prisma/client";
import type { ClientInfo } from "../types";
import type { SecurityEventKind } from "./kinds";

/** Facts of an event's kind, such as { method: "PASSWORD" } for LOGIN: plain JSON values only. */
export type SecurityEventDetail = Record<string, string | number | boolean | null | string[]>;

/** An event to record. */
export interface NewSecurityEvent {
  kind: SecurityEventKind;
  /** The account it is about. */
  userId: string;
  /** Who acted: the user, an admin; null when nobody signed in did (the holder of a reused refresh token). */
  actorId: string | null;
  /** The session it started, ended or was done from, if any. */
  sessionId?: string | null;
  /** The client that made the request; null for the command line. */
  client: ClientInfo | null;
  detail?: SecurityEventDetail;
}

/** The row an event is stored as. */
function eventRow(now: number, { kind, userId, actorId, sessionId, client, detail }: NewSecurityEvent) {
  return {
    kind,
    userId,
    actorId,
    sessionId: sessionId ?? null,
    ip: client?.ip ?? null,
    userAgent: client?.userAgent ?? null,
    detail,
    createdAt: new Date(now),
  };
}

/**
 * Records events on the transaction client of the change they record, so that the change and its
 * events commit together or not at all: no event without its change, no change without its event.
 * Several events of one change (a login that also ends a session beyond the limit) are one INSERT.
 */
export async function recordSecurityEvents(tx: Prisma.TransactionClient, now: number, events: readonly NewSecurityEvent[]): Promise<void> {
  await tx.securityEvent.createMany({ data: events.map((event) => eventRow(now, event)) });
}

/** One INSERT of any number of events, one array per column: a named prepared statement. */
const INSERT_EVENTS = {
  name: "auth-record-security-events",
  text: `INSERT INTO "SecurityEvent" ("id", "kind", "userId", "actorId", "sessionId", "ip", "userAgent", "detail", "createdAt")
         SELECT gen_random_uuid(), * FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::jsonb[], $8::timestamptz[])`,
};

/**
 * recordSecurityEvents for a transaction on a connection of the pool (a hot path that bypasses
 * Prisma: login): the same rows, as one prepared statement.
 */
export async function recordSecurityEventsOnPool(client: pg.ClientBase, now: number, events: readonly NewSecurityEvent[]): Promise<void> {
  const rows = events.map((event) => eventRow(now, event));
  const column = <K extends keyof ReturnType<typeof eventRow>>(key: K) => rows.map((row) => row[key]);
  await client.query({
    ...INSERT_EVENTS,
    values: [
      column("kind"),
      column("userId"),
      column("actorId"),
      column("sessionId"),
      column("ip"),
      column("userAgent"),
      rows.map((row) => (row.detail === undefined ? null : JSON.stringify(row.detail))),
      column("createdAt"),
    ],
  });
}

/**
 * A LOGIN_FAILED for the account with this email, if there is one, in one statement that is sent
 * for an unknown email too (and then inserts nothing): a wrong password and an unknown email must
 * take the same time (docs/security.md), which an insert made only for existing accounts would
 * break. Called only for attempts the login limits let through, so an account gets at most as many
 * as its failure counters allow per window: failed logins cannot become unbounded writes.
 */
export async function recordFailedLogin(
  db: Prisma.TransactionClient,
  now: number,
  email: string,
  client: ClientInfo,
  detail: SecurityEventDetail,
): Promise<void> {
  await db.$executeRaw`
    INSERT INTO "SecurityEvent" ("id", "userId", "kind", "ip", "userAgent", "detail", "createdAt")
    SELECT gen_random_uuid(), "id", ${"LOGIN_FAILED" satisfies SecurityEventKind}, ${client.ip}, ${client.userAgent}, ${JSON.stringify(detail)}::jsonb, ${new Date(now)}
    FROM "User" WHERE "email" = ${email}`;
}
