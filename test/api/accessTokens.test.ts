import jwt from "jsonwebtoken";
import type { RunningApp } from "../../src/app";
import { startTestServer, TEST_JWT_SECRET } from "../support/testServer";
import { graphql, LOGIN, ME, PASSWORD, SIGNUP, signUp, uniqueEmail, type AuthPayload } from "../support/graphqlClient";
import { expectMeRefused, serverClaims } from "../support/tokenAssertions";

const ISSUER = "graphql-jwt-auth-api";
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("access tokens", () => {
  let app: RunningApp;
  let account: AuthPayload;
  let sessionId: string;

  /** A token signed with the server's secret, as the server would, with `claims` changed. */
  function forge(claims: Record<string, unknown> = {}, options: jwt.SignOptions = {}, secret = TEST_JWT_SECRET): string {
    // A claim set to undefined is left out of the token.
    const payload = Object.fromEntries(
      Object.entries(serverClaims(account.user.id, sessionId, claims)).filter(([, value]) => value !== undefined),
    );
    return jwt.sign(payload, secret, { algorithm: "HS256", header: { alg: "HS256", typ: "at+jwt" }, ...options });
  }

  const expectRejected = (authorization: string, reason: string) => expectMeRefused(app.url, authorization, reason);

  beforeAll(async () => {
    app = await startTestServer();
    account = await signUp(app.url);
    sessionId = (jwt.decode(account.accessToken) as { sid: string }).sid;
  });
  afterAll(() => app.stop());

  test("a token forged exactly like the server's is accepted (the forgeries below differ only where they say)", async () => {
    const response = await graphql(app.url, ME, undefined, { token: forge() });
    expect(response.data!.me.id).toBe(account.user.id);
  });

  test("an expired token gives UNAUTHENTICATED with reason TOKEN_EXPIRED", async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    await expectRejected(`Bearer ${forge({ iat: past - 900, exp: past })}`, "TOKEN_EXPIRED");
  });

  test("a token expires when the clock passes its lifetime", async () => {
    const sixteenMinutesLater = await startTestServer({}, () => Date.now() + 16 * 60_000);
    try {
      const response = await graphql(sixteenMinutesLater.url, ME, undefined, { token: account.accessToken });
      expect(response.errors![0]!.extensions).toEqual({ code: "UNAUTHENTICATED", reason: "TOKEN_EXPIRED" });
    } finally {
      await sixteenMinutesLater.stop();
    }
  });

  test.each([
    [
      "tampered payload",
      () => {
        const [header, , signature] = forge().split(".");
        return `Bearer ${header}.${base64url({ sub: "00000000-0000-4000-8000-000000000000", sid: sessionId, ver: 0, iss: ISSUER, aud: ISSUER, exp: 9999999999, iat: 1 })}.${signature}`;
      },
    ],
    ["signed with another secret", () => `Bearer ${forge({}, {}, "another-secret-that-is-also-long-enough-0123456789")}`],
    ["alg none", () => `Bearer ${base64url({ alg: "none", typ: "at+jwt" })}.${forge().split(".")[1]}.`],
    ["signature stripped", () => `Bearer ${forge().split(".").slice(0, 2).join(".")}.`],
    ["another algorithm (HS512)", () => `Bearer ${forge({}, { algorithm: "HS512", header: { alg: "HS512", typ: "at+jwt" } })}`],
    ["not an access token (typ JWT)", () => `Bearer ${forge({}, { header: { alg: "HS256", typ: "JWT" } })}`],
    ["no exp", () => `Bearer ${forge({ exp: undefined })}`],
    ["no sub", () => `Bearer ${forge({ sub: undefined })}`],
    ["sub not a user id", () => `Bearer ${forge({ sub: '1; DROP TABLE "User"' })}`],
    ["wrong issuer", () => `Bearer ${forge({ iss: "someone-else" })}`],
    ["wrong audience", () => `Bearer ${forge({ aud: "another-api" })}`],
    ["garbage", () => "Bearer not-a-token"],
    ["three garbage segments", () => "Bearer aaa.bbb.ccc"],
  ])("%s: UNAUTHENTICATED with reason TOKEN_INVALID, never a 500", async (_name, authorization) => {
    await expectRejected(authorization(), "TOKEN_INVALID");
  });

  test.each([
    ["Basic scheme", `Basic ${Buffer.from("a@b.c:pw").toString("base64")}`],
    ["empty bearer", "Bearer "],
    ["bearer without a space", "Bearer"],
    ["token without a scheme", "eyJhbGciOiJIUzI1NiJ9.e30.c2ln"],
  ])("%s: UNAUTHENTICATED with reason TOKEN_INVALID", async (_name, authorization) => {
    await expectRejected(authorization, "TOKEN_INVALID");
  });

  test("the scheme name is case-insensitive (RFC 9110)", async () => {
    const response = await graphql(app.url, ME, undefined, { headers: { authorization: `bearer ${account.accessToken}` } });
    expect(response.data!.me.id).toBe(account.user.id);
  });

  test("the token of a deleted user stops working", async () => {
    const doomed = await signUp(app.url);
    await app.prisma.user.delete({ where: { id: doomed.user.id } });
    await expectRejected(`Bearer ${doomed.accessToken}`, "SESSION_ENDED");
  });

  test("a bad token does not stop login or signup in the same request", async () => {
    const headers = { authorization: "Bearer this.is.broken" };
    const login = await graphql(app.url, LOGIN, { input: { email: account.user.email, password: PASSWORD } }, { headers });
    expect(login.errors).toBeUndefined();
    expect(login.data!.login.user.id).toBe(account.user.id);
    const signup = await graphql(app.url, SIGNUP, { input: { email: uniqueEmail(), password: PASSWORD, name: "New" } }, { headers });
    expect(signup.errors).toBeUndefined();
  });
});
