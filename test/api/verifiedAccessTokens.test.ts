import type { RunningApp } from "../../src/app";
import { startTestServer } from "../support/testServer";
import { graphql, ME, signUp } from "../support/graphqlClient";

// Each process remembers the tokens it has verified; what it remembers must never outlive the
// token or stand in for a different one.
describe("access tokens verified before", () => {
  let app: RunningApp;
  let clockOffsetMs = 0;
  beforeAll(async () => {
    app = await startTestServer({}, () => Date.now() + clockOffsetMs);
  });
  afterAll(() => app.stop());

  const me = (authorization: string) => graphql(app.url, ME, undefined, { headers: { authorization } });

  test("still expire when the clock passes their lifetime", async () => {
    clockOffsetMs = 0;
    const account = await signUp(app.url);
    // First seen a minute before it expires (the token lives 15 minutes), then a minute after.
    clockOffsetMs = 14 * 60_000;
    for (let i = 0; i < 3; i++) expect((await me(`Bearer ${account.accessToken}`)).data!.me.id).toBe(account.user.id);
    clockOffsetMs = 16 * 60_000;
    try {
      expect((await me(`Bearer ${account.accessToken}`)).errors![0]!.extensions).toEqual({
        code: "UNAUTHENTICATED",
        reason: "TOKEN_EXPIRED",
      });
    } finally {
      clockOffsetMs = 0;
    }
  });

  test("do not stand in for a token that differs only in its signature", async () => {
    const account = await signUp(app.url);
    expect((await me(`Bearer ${account.accessToken}`)).errors).toBeUndefined();
    const lastChar = account.accessToken.at(-2) === "A" ? "B" : "A";
    const tampered = `${account.accessToken.slice(0, -2)}${lastChar}${account.accessToken.at(-1)}`;
    expect((await me(`Bearer ${tampered}`)).errors![0]!.extensions).toEqual({ code: "UNAUTHENTICATED", reason: "TOKEN_INVALID" });
  });
});
