import type pg from "pg";
import type { AuthCache, SessionWithUser } from "./cache";
import type { AuthChangeListener } from "./changeListener";
import { readSessionWithUser } from "./sessionStateQuery";

/** The auth cache with the listener that keeps it current. */
export interface CurrentAuthCache {
  cache: AuthCache;
  listener: Pick<AuthChangeListener, "caughtUp">;
}

/**
 * Reads a session with its user: from this process's cache when it holds them and the listener
 * has caught up with every change committed before the request, else with one indexed query
 * (./sessionStateQuery.ts), whose result is then cached. Without a cache (AUTH_CACHE_MAX_ENTRIES=0) every call reads the
 * database.
 */
export class SessionStateReader {
  constructor(
    private readonly pool: pg.Pool,
    private readonly current: CurrentAuthCache | undefined,
  ) {}

  async read(sessionId: string): Promise<SessionWithUser | null> {
    if (this.current?.cache.get(sessionId) && (await this.current.listener.caughtUp())) {
      // Asked again: catching up may have just dropped the entry.
      const cached = this.current.cache.get(sessionId);
      if (cached) return cached;
    }
    const ticket = this.current?.cache.readTicket();
    const session = await readSessionWithUser(this.pool, sessionId);
    if (session && ticket !== undefined) this.current!.cache.store(ticket, sessionId, session);
    return session;
  }
}
