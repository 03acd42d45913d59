import crypto from "node:crypto";
import jwt from "jsonwebtoken";
import type { RunningApp } from "../../src/app";
import { graphql, ME, signUp, type AuthPayload } from "../support/graphqlClient";
import { rawRequest } from "../support/rawHttp";
import { startTestServer, TEST_JWT_SECRET } from "../support/testServer";
import { expectMeRefused, serverClaims } from "../support/tokenAssertions";

// The classic JWT attacks (RFC 8725) that test/api/accessTokens.test.ts does not already cover, against
// the default HS256 server. Every forgery is built by hand, byte by byte, as an attacker would.
const segment = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
const HEADER = { alg: "HS256", typ: "at+jwt" };

function hmacSigned(header: object, payload: object, secret: string | Buffer = TEST_JWT_SECRET): string {
  const input = `${segment(header)}.${segment(payload)}`;
  return `${input}.${crypto.createHmac("sha256", secret).update(input).digest("base64url")}`;
}

describe("forged and malformed access tokens (HS256)", () => {
  let app: RunningApp;
  let account: AuthPayload;
  let sessionId: string;

  const claims = (overrides: Record<string, unknown> = {}) => serverClaims(account.user.id, sessionId, overrides);

  const expectRejected = (authorization: string, reason?: string) => expectMeRefused(app.url, authorization, reason);

  beforeAll(async () => {
    app = await startTestServer();
    account = await signUp(app.url);
    sessionId = (jwt.decode(account.accessToken) as { sid: string }).sid;
  });
  afterAll(() => app.stop());

  test("the hand-made token itself is accepted, so each rejection below is due to its one change", async () => {
    const response = await graphql(app.url, ME, undefined, { token: hmacSigned(HEADER, claims()) });
    expect(response.data!.me.id).toBe(account.user.id);
  });

  test.each(["none", "None", "NONE", "nOnE"])("alg %s, with and without a signature", async (alg) => {
    const unsigned = `${segment({ alg, typ: "at+jwt" })}.${segment(claims())}`;
    await expectRejected(`Bearer ${unsigned}.`);
    const realSignature = hmacSigned(HEADER, claims()).split(".")[2];
    await expectRejected(`Bearer ${unsigned}.${realSignature}`);
  });

  test("tampered header: alg changed after signing", async () => {
    const [, payload, signature] = hmacSigned(HEADER, claims()).split(".");
    await expectRejected(`Bearer ${segment({ alg: "HS384", typ: "at+jwt" })}.${payload}.${signature}`);
  });

  test("nbf in the future is refused; within the clock tolerance (5 s) it is not", async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRejected(`Bearer ${hmacSigned(HEADER, claims({ nbf: now + 3600 }))}`);
    const slightlyAhead = await graphql(app.url, ME, undefined, { token: hmacSigned(HEADER, claims({ nbf: now + 2 })) });
    expect(slightlyAhead.data!.me.id).toBe(account.user.id);
  });

  test("iat in the future is refused", async () => {
    await expectRejected(`Bearer ${hmacSigned(HEADER, claims({ iat: Math.floor(Date.now() / 1000) + 3600 }))}`);
  });

  test("sub naming another existing user (with this session) is refused", async () => {
    const other = await signUp(app.url);
    await expectRejected(`Bearer ${hmacSigned(HEADER, claims({ sub: other.user.id }))}`, "SESSION_ENDED");
  });

  test.each([
    ["pointing nowhere", "key-that-does-not-exist"],
    ["a path", "../../../../etc/passwd"],
    ["SQL", '\' OR 1=1; DROP TABLE "User"; --'],
    ["not a string", 42],
  ])("a kid %s is refused (HS256 tokens carry none)", async (_name, kid) => {
    await expectRejected(`Bearer ${hmacSigned({ ...HEADER, kid }, claims())}`);
  });

  // RFC 7515 §4.1.11: crit names extensions the recipient must understand, and this server understands none.
  test.each([
    ["an unknown extension", ["exp-v2"]],
    ["a registered claim", ["exp"]],
    ["an empty list", []],
    ["not a list", "b64"],
  ])("a correctly signed token with a crit header (%s) is refused", async (_name, crit) => {
    await expectRejected(`Bearer ${hmacSigned({ ...HEADER, crit, "exp-v2": 1 }, claims())}`);
  });

  test("a correctly signed token over 8 KB is refused before its signature is checked", async () => {
    const token = hmacSigned(HEADER, claims({ pad: "x".repeat(8 * 1024) }));
    expect(token.length).toBeGreaterThan(8192);
    await expectRejected(`Bearer ${token}`);
  });

  test.each([
    [
      "signature in standard base64 with padding",
      (t: string) => {
        const [h, p, s] = t.split(".");
        return `${h}.${p}.${Buffer.from(s!, "base64url").toString("base64")}`;
      },
    ],
    [
      "padding on the payload",
      (t: string) => {
        const [h, p, s] = t.split(".");
        return `${h}.${p}==.${s}`;
      },
    ],
    ["a header that is not JSON", (t: string) => `${segment("{not json")}.${t.split(".").slice(1).join(".")}`],
    ["four segments", (t: string) => `${t}.${t.split(".")[2]}`],
    [
      "an empty payload",
      (t: string) => {
        const [h, , s] = t.split(".");
        return `${h}..${s}`;
      },
    ],
  ])("non-base64url or misshapen segments: %s", async (_name, mangle) => {
    await expectRejected(`Bearer ${mangle(hmacSigned(HEADER, claims()))}`);
  });

  test("two Authorization headers are refused, even when both carry the valid token", async () => {
    const body = JSON.stringify({ query: ME.toString() });
    const headers: Array<[string, string]> = [
      ["content-type", "application/json"],
      ["authorization", `Bearer ${account.accessToken}`],
      ["authorization", `Bearer ${account.accessToken}`],
    ];
    const response = await rawRequest(app.url, "POST", headers, body);
    expect(response.status).toBe(200);
    const parsed = JSON.parse(response.text) as { data: unknown; errors: Array<{ extensions: unknown }> };
    expect(parsed.data).toBeNull();
    expect(parsed.errors[0]!.extensions).toEqual({ code: "UNAUTHENTICATED", reason: "TOKEN_INVALID" });

    const single = await rawRequest(app.url, "POST", headers.slice(0, 2), body);
    expect((JSON.parse(single.text) as { data: { me: { id: string } } }).data.me.id).toBe(account.user.id);
  });

  test("an HS256 server publishes no keys: the secret never leaves it", async () => {
    const response = await fetch(new URL("/.well-known/jwks.json", app.url));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ keys: [] });
  });
});
