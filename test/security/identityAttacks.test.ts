import type crypto from "node:crypto";
import type { RunningApp } from "../../src/app";
import { newSigningKey } from "../../src/http/devIdentityProvider";
import { graphql, uniqueEmail } from "../support/graphqlClient";
import { ExchangeLoginCodeDocument } from "../support/generated/graphql";
import { browserGet, CookieJar, fragment, signInThroughProvider } from "../support/identitySignIn";
import { TestIdentityProvider } from "../support/testIdentityProvider";
import { startTestServer } from "../support/testServer";

const APP_URL = "http://localhost:5173";
let provider: TestIdentityProvider;
let app: RunningApp;
let clockOffset = 0;
let callbackUris: string[];

beforeAll(async () => {
  provider = await TestIdentityProvider.start();
  app = await startTestServer(
    {
      APP_URL,
      // "offline": a provider nobody answers for (nothing listens on port 9 of this machine).
      OIDC_PROVIDERS: JSON.stringify([provider.settings("test"), { ...provider.settings("offline"), issuer: "http://127.0.0.1:9/idp" }]),
    },
    () => Date.now() + clockOffset,
  );
  callbackUris = [`${new URL(app.url).origin}/auth/test/callback`];
  await provider.useKeys(callbackUris);
});
afterEach(() => {
  clockOffset = 0;
  provider.down = false;
  provider.publishedKeysOverride = undefined;
});
afterAll(async () => {
  await app?.stop();
  await provider?.close();
});

const cookieOf = (jar: CookieJar) => ({ cookie: jar.header(new URL(app.url)) ?? "" });
const exchange = (code: string, headers: Record<string, string>) => graphql(app.url, ExchangeLoginCodeDocument, { code }, { headers });

/** A sign-in through the test provider; `beforeCallback` may tamper with the callback or the stored flow. */
const signIn = (jar: CookieJar, beforeCallback?: (callback: URL) => Promise<URL | undefined>) =>
  signInThroughProvider(jar, app.url, "test", uniqueEmail("attack"), APP_URL, beforeCallback).then(fragment);

const storedFlowOf = (callback: URL) =>
  app.prisma.identityFlow.findFirstOrThrow({ where: { provider: "test" }, orderBy: { createdAt: "desc" } }).then((flow) => {
    expect(callback.searchParams.get("state")).not.toBeNull();
    return flow;
  });

function publicPart(key: crypto.JsonWebKey): crypto.JsonWebKey {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...rest } = key;
  return rest;
}

describe("the callback refuses what it did not start, in this browser", () => {
  test("a state that was never sent (or altered) ends with INVALID_STATE", async () => {
    const answer = await signIn(new CookieJar(), async (callback) => {
      const altered = new URL(callback);
      altered.searchParams.set("state", "forged-state");
      return altered;
    });
    expect(answer).toEqual({ error: "INVALID_STATE" });
  });

  test("a callback from another browser's sign-in ends with BROWSER_MISMATCH (login CSRF)", async () => {
    let attackers: URL | undefined;
    await signIn(new CookieJar(), async (callback) => {
      attackers = callback;
      throw new Error("The attacker keeps the callback URL instead of following it.");
    }).catch(() => undefined);
    const victim = new CookieJar();
    const hop = await browserGet(victim, attackers!);
    expect(hop.status).toBe(302);
    expect(fragment(new URL(hop.location!))).toEqual({ error: "BROWSER_MISMATCH" });
  });

  test("a replayed callback finds nothing (INVALID_STATE); a code the provider issued once is refused the second time (CODE_REJECTED)", async () => {
    const jar = new CookieJar();
    let callbackUrl: URL | undefined;
    let flow: Awaited<ReturnType<typeof storedFlowOf>> | undefined;
    const first = await signIn(jar, async (callback) => {
      callbackUrl = callback;
      flow = await storedFlowOf(callback);
      return undefined;
    });
    expect(first.login_code).toBeDefined();
    expect(fragment(new URL((await browserGet(jar, callbackUrl!)).location!))).toEqual({ error: "INVALID_STATE" });
    // Even with the flow put back as it was, the provider refuses its code a second time.
    await app.prisma.identityFlow.create({ data: flow! });
    expect(fragment(new URL((await browserGet(jar, callbackUrl!)).location!))).toEqual({ error: "CODE_REJECTED" });
  });

  test("a sign-in older than 10 minutes ends with INVALID_STATE", async () => {
    const answer = await signIn(new CookieJar(), async () => {
      clockOffset = 11 * 60_000;
      return undefined;
    });
    expect(answer).toEqual({ error: "INVALID_STATE" });
  });

  test("the user declining at the provider ends with ACCESS_DENIED", async () => {
    const answer = await signIn(new CookieJar(), async (callback) => {
      const denied = new URL(callback);
      denied.searchParams.delete("code");
      denied.searchParams.set("error", "access_denied");
      return denied;
    });
    expect(answer).toEqual({ error: "ACCESS_DENIED" });
  });
});

describe("what the provider answers is checked", () => {
  test("a nonce other than the one sent: INVALID_ID_TOKEN", async () => {
    const answer = await signIn(new CookieJar(), async (callback) => {
      const flow = await storedFlowOf(callback);
      await app.prisma.identityFlow.update({ where: { id: flow.id }, data: { nonce: "another-nonce-than-the-one-sent" } });
      return undefined;
    });
    expect(answer).toEqual({ error: "INVALID_ID_TOKEN" });
  });

  test("PKCE: a code verifier other than the one the challenge was made from is refused by the provider: CODE_REJECTED", async () => {
    const answer = await signIn(new CookieJar(), async (callback) => {
      const flow = await storedFlowOf(callback);
      await app.prisma.identityFlow.update({ where: { id: flow.id }, data: { codeVerifier: "x".repeat(43) } });
      return undefined;
    });
    expect(answer).toEqual({ error: "CODE_REJECTED" });
  });

  test("an ID token signed by a key the provider never published: INVALID_ID_TOKEN", async () => {
    const signing = newSigningKey();
    await provider.useKeys(callbackUris, [signing]);
    // It publishes another key under the same key id.
    provider.publishedKeysOverride = [{ ...publicPart(newSigningKey()), kid: signing.kid }];
    expect(await signIn(new CookieJar())).toEqual({ error: "INVALID_ID_TOKEN" });
    // The API now holds the false key under that id: the provider moves on to a new one.
    provider.publishedKeysOverride = undefined;
    await provider.rotateKeys();
    expect((await signIn(new CookieJar())).login_code).toBeDefined();
  });

  test("the provider rotating its keys: the next sign-in is checked against the new key, fetched at once", async () => {
    expect((await signIn(new CookieJar())).login_code).toBeDefined();
    await provider.rotateKeys();
    expect((await signIn(new CookieJar())).login_code).toBeDefined();
    await provider.rotateKeys();
    expect((await signIn(new CookieJar())).login_code).toBeDefined();
  });

  test("the provider down at the callback: PROVIDER_UNAVAILABLE, a redirect, never a 500", async () => {
    const answer = await signIn(new CookieJar(), async () => {
      provider.down = true;
      return undefined;
    });
    expect(answer).toEqual({ error: "PROVIDER_UNAVAILABLE" });
  });

  test("a provider that cannot be reached at the start: PROVIDER_UNAVAILABLE back at return_to", async () => {
    const hop = await browserGet(
      new CookieJar(),
      `${new URL(app.url).origin}/auth/offline/start?return_to=${encodeURIComponent(`${APP_URL}/x`)}`,
    );
    expect(hop.status).toBe(302);
    expect(hop.location).toBe(`${APP_URL}/x#error=PROVIDER_UNAVAILABLE`);
  });
});

describe("the login code", () => {
  test("stolen without the browser's cookie it is useless, and stays good for its browser", async () => {
    const jar = new CookieJar();
    const { login_code: code } = await signIn(jar);
    const thief = await exchange(code!, {});
    expect(thief.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", reason: "BROWSER_MISMATCH", field: "code" });
    const otherBrowser = new CookieJar();
    await signIn(otherBrowser);
    const withOtherCookie = await exchange(code!, cookieOf(otherBrowser));
    expect(withOtherCookie.errors?.[0]?.extensions).toMatchObject({ reason: "BROWSER_MISMATCH" });
    const owner = await exchange(code!, cookieOf(jar));
    expect(owner.errors).toBeUndefined();
    expect(owner.text).not.toContain(code);
  });

  test("expires after 60 seconds", async () => {
    const jar = new CookieJar();
    const { login_code: code } = await signIn(jar);
    clockOffset = 61_000;
    const late = await exchange(code!, cookieOf(jar));
    expect(late.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", reason: "LOGIN_CODE_EXPIRED" });
  });

  test("a made-up or oversized code is LOGIN_CODE_INVALID", async () => {
    for (const code of ["made-up", "x".repeat(10_000)]) {
      const answer = await exchange(code, {});
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", reason: "LOGIN_CODE_INVALID" });
    }
  });
});
