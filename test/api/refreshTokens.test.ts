import type { RunningApp } from "../../src/app";
import { hashOpaqueToken } from "../../src/auth/tokens/opaqueTokens";
import { startTestServer } from "../support/testServer";
import { graphql, ME, REFRESH, signUp } from "../support/graphqlClient";

/** A test server whose clock the test moves forward, instead of sleeping. */
async function serverWithClock(env: Record<string, string> = {}) {
  const clock = { offsetMs: 0 };
  const app = await startTestServer(env, () => Date.now() + clock.offsetMs);
  return { app, clock };
}

const refresh = (app: RunningApp, token: string) => graphql(app.url, REFRESH, { token });

describe("refresh-token rotation", () => {
  let app: RunningApp;
  let clock: { offsetMs: number };
  beforeAll(async () => ({ app, clock } = await serverWithClock()));
  afterAll(() => app.stop());
  beforeEach(() => {
    clock.offsetMs = 0;
  });

  test("a refresh returns a new pair and spends the old refresh token", async () => {
    const account = await signUp(app.url);
    clock.offsetMs = 60_000; // a minute later, so the new access token differs from the first
    const response = await refresh(app, account.refreshToken);
    expect(response.errors).toBeUndefined();
    const renewed = response.data!.refreshToken;
    expect(renewed.refreshToken).not.toBe(account.refreshToken);
    expect(renewed.accessToken).not.toBe(account.accessToken);
    expect(renewed.user.id).toBe(account.user.id);

    const me = await graphql(app.url, ME, undefined, { token: renewed.accessToken });
    expect(me.data!.me.id).toBe(account.user.id);

    const spent = await app.prisma.refreshToken.findUniqueOrThrow({ where: { tokenHash: hashOpaqueToken(account.refreshToken) } });
    expect(spent.spentAt).not.toBeNull();
    const successor = await app.prisma.refreshToken.findUniqueOrThrow({ where: { tokenHash: hashOpaqueToken(renewed.refreshToken!) } });
    expect(spent.successorId).toBe(successor.id);
    expect(successor.spentAt).toBeNull();
  });

  test("reusing a spent token after the reuse interval ends the whole session", async () => {
    const account = await signUp(app.url);
    const first = (await refresh(app, account.refreshToken)).data!.refreshToken;
    const second = (await refresh(app, first.refreshToken!)).data!.refreshToken;

    clock.offsetMs = 11_000; // past the default 10 s interval
    const reuse = await refresh(app, account.refreshToken);
    expect(reuse.data).toBeNull();
    expect(reuse.errors![0]!.extensions).toEqual({ code: "UNAUTHENTICATED", reason: "REFRESH_TOKEN_REUSED" });

    // Every token of the family is dead now: the newest refresh token and the access tokens.
    const newest = await refresh(app, second.refreshToken!);
    expect(newest.errors![0]!.extensions).toEqual({ code: "UNAUTHENTICATED", reason: "SESSION_ENDED" });
    const me = await graphql(app.url, ME, undefined, { token: second.accessToken });
    expect(me.errors![0]!.extensions).toEqual({ code: "UNAUTHENTICATED", reason: "SESSION_ENDED" });
  });

  test("within the reuse interval, a spent token gets the same successor instead of a revocation", async () => {
    const account = await signUp(app.url);
    const first = (await refresh(app, account.refreshToken)).data!.refreshToken;
    clock.offsetMs = 5_000;
    const retried = await refresh(app, account.refreshToken);
    expect(retried.errors).toBeUndefined();
    expect(retried.data!.refreshToken.refreshToken).toBe(first.refreshToken);
    expect(await app.prisma.refreshToken.count({ where: { session: { userId: account.user.id } } })).toBe(2);
  });

  test("within the reuse interval, a chain whose successor row is gone is refused as invalid, not as a server error", async () => {
    const account = await signUp(app.url);
    const first = (await refresh(app, account.refreshToken)).data!.refreshToken;
    // No foreign key holds a successor: an operator's hand (or anything else) may remove it first.
    await app.prisma.refreshToken.delete({ where: { tokenHash: hashOpaqueToken(first.refreshToken!) } });
    clock.offsetMs = 5_000;
    const retried = await refresh(app, account.refreshToken);
    expect(retried.data).toBeNull();
    expect(retried.errors![0]!.extensions).toEqual({ code: "UNAUTHENTICATED", reason: "REFRESH_TOKEN_INVALID" });
  });

  test("parallel refreshes of one token create exactly one successor, and every caller gets it", async () => {
    const account = await signUp(app.url);
    const responses = await Promise.all(Array.from({ length: 8 }, () => refresh(app, account.refreshToken)));
    for (const response of responses) expect(response.errors).toBeUndefined();
    const successors = new Set(responses.map((response) => response.data!.refreshToken.refreshToken));
    expect(successors.size).toBe(1);
    // The signup's token plus one successor.
    expect(await app.prisma.refreshToken.count({ where: { session: { userId: account.user.id } } })).toBe(2);
    const [successor] = [...successors] as string[];
    const next = await refresh(app, successor!);
    expect(next.errors).toBeUndefined();
  });

  test("an expired refresh token gives REFRESH_TOKEN_EXPIRED", async () => {
    const account = await signUp(app.url);
    clock.offsetMs = 31 * 24 * 3600_000;
    const response = await refresh(app, account.refreshToken);
    expect(response.errors![0]!.extensions).toEqual({ code: "UNAUTHENTICATED", reason: "REFRESH_TOKEN_EXPIRED" });
  });

  test.each([
    ["unknown", "A".repeat(43)],
    ["malformed", "not a token!"],
    ["huge", "A".repeat(10_000)],
  ])("a refresh token that is %s gives REFRESH_TOKEN_INVALID", async (_name, token) => {
    const response = await refresh(app, token);
    expect(response.errors![0]!.extensions).toEqual({ code: "UNAUTHENTICATED", reason: "REFRESH_TOKEN_INVALID" });
  });

  test("refresh tokens are never stored in clear", async () => {
    const account = await signUp(app.url);
    const renewed = (await refresh(app, account.refreshToken)).data!.refreshToken;
    const rows = await app.prisma.$queryRaw<object[]>`
      SELECT t.* FROM "RefreshToken" t JOIN "Session" s ON s.id = t."sessionId" WHERE s."userId" = ${account.user.id}::uuid`;
    expect(rows).toHaveLength(2);
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(account.refreshToken);
    expect(stored).not.toContain(renewed.refreshToken);
  });
});

describe("with the reuse interval at 0", () => {
  let app: RunningApp;
  beforeAll(async () => ({ app } = await serverWithClock({ REFRESH_TOKEN_REUSE_INTERVAL: "0" })));
  afterAll(() => app.stop());

  test("any reuse of a spent token ends the session at once", async () => {
    const account = await signUp(app.url);
    const renewed = (await refresh(app, account.refreshToken)).data!.refreshToken;
    const reuse = await refresh(app, account.refreshToken);
    expect(reuse.errors![0]!.extensions).toEqual({ code: "UNAUTHENTICATED", reason: "REFRESH_TOKEN_REUSED" });
    const newest = await refresh(app, renewed.refreshToken!);
    expect(newest.errors![0]!.extensions).toMatchObject({ code: "UNAUTHENTICATED" });
  });
});
