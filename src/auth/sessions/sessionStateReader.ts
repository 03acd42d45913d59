import type { PrismaClient } from "../../generated/prisma/client";
import type { AuthCache, SessionWithUser } from "./authCache";

/**
 * Reads a session with its user: from this process's cache when it holds them, else with one
 * indexed query, whose result is then cached. Without a cache (AUTH_CACHE_MAX_ENTRIES=0) every
 * call reads the database.
 */
export class SessionStateReader {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly cache: AuthCache | undefined,
  ) {}

  async read(sessionId: string): Promise<SessionWithUser | null> {
    const cached = this.cache?.get(sessionId);
    if (cached) return cached;
    const ticket = this.cache?.readTicket();
    const session = await this.prisma.session.findUnique({
      where: { id: sessionId },
      select: { userId: true, revokedAt: true, expiresAt: true, user: true },
    });
    if (session && ticket !== undefined) this.cache!.store(ticket, sessionId, session);
    return session;
  }
}
