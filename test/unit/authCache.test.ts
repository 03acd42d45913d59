import { AuthCache, type SessionWithUser } from "../../src/auth/authCache/cache";
import type { User } from "../../src/generated/prisma/client";

// The cache's own rules, in memory: the database side is covered by authCacheRecovery and
// multiProcess tests.
describe("the auth cache", () => {
  let clock = 0;
  const now = () => clock;
  const user = (id: string, name = "Ada"): User => ({
    id,
    email: `${id}@example.com`,
    name,
    passwordHash: "unused",
    role: "USER",
    tokenVersion: 0,
    disabledAt: null,
    emailVerifiedAt: null,
    createdAt: new Date(0),
    updatedAt: new Date(0),
  });
  const state = (userId: string, name?: string): SessionWithUser => ({
    userId,
    revokedAt: null,
    expiresAt: new Date(1e12),
    assuranceLevel: 1,
    amr: ["pwd"],
    authTime: new Date(0),
    user: user(userId, name),
    hasSecondFactor: false,
  });

  function enabledCache(maxEntries = 100) {
    const cache = new AuthCache({ maxEntries, ttlMs: 60_000, now });
    cache.enable();
    return cache;
  }

  beforeEach(() => {
    clock = 0;
  });

  test("serves what it stored", () => {
    const cache = enabledCache();
    cache.store(cache.readTicket(), "s1", state("u1"));
    expect(cache.get("s1")?.user.name).toBe("Ada");
  });

  test("a read that started before an invalidation is not stored: it may hold the old row", () => {
    const cache = enabledCache();
    const ticket = cache.readTicket();
    cache.invalidateUser("u1"); // the notification arrives while the read is in flight
    cache.store(ticket, "s1", state("u1", "Old name"));
    expect(cache.get("s1")).toBeUndefined();
  });

  test("invalidating a user drops it for every one of its sessions", () => {
    const cache = enabledCache();
    cache.store(cache.readTicket(), "s1", state("u1"));
    cache.store(cache.readTicket(), "s2", state("u1"));
    cache.invalidateUser("u1");
    expect(cache.get("s1")).toBeUndefined();
    expect(cache.get("s2")).toBeUndefined();
  });

  test("invalidating a session drops only that session", () => {
    const cache = enabledCache();
    cache.store(cache.readTicket(), "s1", state("u1"));
    cache.store(cache.readTicket(), "s2", state("u1"));
    cache.invalidateSession("s1");
    expect(cache.get("s1")).toBeUndefined();
    expect(cache.get("s2")?.userId).toBe("u1");
  });

  test("off until enabled, and empty and off once disabled", () => {
    const cache = new AuthCache({ maxEntries: 100, ttlMs: 60_000, now });
    cache.store(cache.readTicket(), "s1", state("u1"));
    expect(cache.get("s1")).toBeUndefined();
    cache.enable();
    cache.store(cache.readTicket(), "s1", state("u1"));
    const ticket = cache.readTicket();
    cache.disable();
    cache.store(ticket, "s2", state("u2"));
    cache.enable();
    expect(cache.get("s1")).toBeUndefined();
    expect(cache.get("s2")).toBeUndefined();
  });

  test("entries expire after the TTL even without a notification", () => {
    const cache = enabledCache();
    cache.store(cache.readTicket(), "s1", state("u1"));
    clock = 59_999;
    expect(cache.get("s1")).toBeDefined();
    clock = 60_000;
    expect(cache.get("s1")).toBeUndefined();
  });

  test("holds at most maxEntries, forgetting the least recently used", () => {
    const cache = enabledCache(2);
    cache.store(cache.readTicket(), "s1", state("u1"));
    cache.store(cache.readTicket(), "s2", state("u2"));
    cache.get("s1"); // s1 is now the most recently used
    cache.store(cache.readTicket(), "s3", state("u3"));
    expect(cache.get("s2")).toBeUndefined();
    expect(cache.get("s1")).toBeDefined();
    expect(cache.get("s3")).toBeDefined();
  });
});
