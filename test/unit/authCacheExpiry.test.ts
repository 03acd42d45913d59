import { AuthCache, type SessionWithUser } from "../../src/auth/authCache/cache";

// A refresh moves a session's expiry later without notifying the caches, so a cached expiry may
// be stale: the cache must not answer for a session past it (the database decides).
describe("the auth cache and a session's expiry", () => {
  let clock = 0;
  const cache = new AuthCache({ maxEntries: 10, ttlMs: 60_000, now: () => clock });
  const session = (expiresAt: number): SessionWithUser => ({
    userId: "u1",
    revokedAt: null,
    expiresAt: new Date(expiresAt),
    assuranceLevel: 1,
    amr: ["pwd"],
    authTime: new Date(0),
    user: {
      id: "u1",
      email: "u1@example.com",
      name: "Ada",
      passwordHash: "unused",
      role: "USER",
      tokenVersion: 0,
      disabledAt: null,
      emailVerifiedAt: null,
      createdAt: new Date(0),
      updatedAt: new Date(0),
    },
    hasSecondFactor: false,
  });

  test("serves a session until its cached expiry, then no longer: it must be read again", () => {
    cache.enable();
    cache.store(cache.readTicket(), "s1", session(5_000));
    clock = 4_999;
    expect(cache.get("s1")?.expiresAt.getTime()).toBe(5_000);
    clock = 5_000;
    expect(cache.get("s1")).toBeUndefined();

    // Read again, extended meanwhile: served until the new expiry.
    cache.store(cache.readTicket(), "s1", session(50_000));
    expect(cache.get("s1")?.expiresAt.getTime()).toBe(50_000);
  });
});
