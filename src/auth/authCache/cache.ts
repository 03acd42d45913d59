import { LruCache } from "../../cache/lruCache";
import type { User } from "../../generated/prisma/client";

/** What the hot path needs to know about a session to accept an access token for it, and what the rules ask of it. */
export interface SessionState {
  userId: string;
  revokedAt: Date | null;
  expiresAt: Date;
  /** The session's assurance columns, as stored (sessions/assurance.ts reads them). */
  assuranceLevel: number;
  amr: string[];
  authTime: Date;
}

/** A user as the hot path knows them: the row, and whether the account has a second factor. */
export interface Account {
  user: User;
  hasSecondFactor: boolean;
}

export interface SessionWithUser extends SessionState, Account {}

export interface AuthCacheOptions {
  maxEntries: number;
  ttlMs: number;
  now?: () => number;
}

/**
 * This process's copy of the sessions and users it has loaded, so that an authenticated request
 * needs no database round trip. It is only as fresh as the invalidations it receives: the
 * database publishes every change but one (./changeListener.ts), a session's expiry moving later,
 * which `get` allows for. While that listener is not connected the cache is off, because changes
 * may be happening that it would never hear about. The TTL is a safety net, not the mechanism.
 *
 * Sessions and users are kept apart so that a change to a user drops one entry, whatever the
 * number of that user's sessions. Whether the user has a second factor is kept with the user: the
 * database publishes a factor added or removed as a change to its user.
 */
export class AuthCache {
  private readonly sessions: LruCache<string, SessionState>;
  private readonly users: LruCache<string, Account>;
  /**
   * Bumped by every invalidation. A database read remembers the generation it started in and is
   * stored only if nothing was invalidated meanwhile: a read that raced a change may hold the
   * old row, and the notification for that change has already been spent on the empty slot.
   * One counter for all keys is coarser than one per key, but obviously right.
   */
  private generation = 0;
  private enabled = false;

  private readonly now: () => number;

  constructor(options: AuthCacheOptions) {
    this.now = options.now ?? Date.now;
    this.sessions = new LruCache(options.maxEntries, options.ttlMs, options.now);
    this.users = new LruCache(options.maxEntries, options.ttlMs, options.now);
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  /**
   * A session past its cached `expiresAt` is not served: that expiry may be stale. A refresh moves
   * `expiresAt` later without notifying (prisma/migrations/*_session_extension_without_notification),
   * so a cached expiry is never later than the stored one, and an entry that says "expired" is read
   * again from the database, which knows whether the session was extended meanwhile.
   */
  get(sessionId: string): SessionWithUser | undefined {
    if (!this.enabled) return undefined;
    const session = this.sessions.get(sessionId);
    if (!session || session.expiresAt.getTime() <= this.now()) return undefined;
    const account = this.users.get(session.userId);
    return account ? { ...session, ...account } : undefined;
  }

  /** Take before reading from the database; hand it back to `store` with the result. */
  readTicket(): number {
    return this.generation;
  }

  store(ticket: number, sessionId: string, state: SessionWithUser): void {
    if (!this.enabled || ticket !== this.generation) return;
    const { userId, revokedAt, expiresAt, assuranceLevel, amr, authTime, user, hasSecondFactor } = state;
    this.sessions.set(sessionId, { userId, revokedAt, expiresAt, assuranceLevel, amr, authTime });
    this.users.set(userId, { user, hasSecondFactor });
  }

  invalidateUser(userId: string): void {
    this.generation++;
    this.users.delete(userId);
  }

  invalidateSession(sessionId: string): void {
    this.generation++;
    this.sessions.delete(sessionId);
  }

  /**
   * The listener is (again) receiving every change. Whatever is cached may have missed changes
   * made while it was not, so the cache starts empty.
   */
  enable(): void {
    this.clear();
    this.enabled = true;
  }

  /** The listener is gone: serve nothing from memory until it is back. */
  disable(): void {
    this.enabled = false;
    this.clear();
  }

  private clear(): void {
    this.generation++;
    this.sessions.clear();
    this.users.clear();
  }
}
