import crypto from "node:crypto";
import type { RunningApp } from "../../src/app";
import { hashedEmail } from "../../src/auth/limits/loginRateLimiter";
import type { LoginMutation } from "../support/generated/graphql";
import {
  CHANGE_PASSWORD,
  DELETE_ACCOUNT,
  graphql,
  LOGIN,
  PASSWORD,
  signUp,
  uniqueEmail,
  type GraphQLResponse,
} from "../support/graphqlClient";
import { startTestServer } from "../support/testServer";

const WINDOW_SECONDS = 900;
const KNOWN_ADDRESS_TTL_SECONDS = 3600;
const LIMITS = {
  TRUST_PROXY_HOPS: "1",
  LOGIN_MAX_FAILURES_PER_ACCOUNT: "3",
  LOGIN_MAX_FAILURES_PER_IP: "6",
  LOGIN_FAILURE_WINDOW: "15m",
  LOGIN_KNOWN_ADDRESS_TTL: "1h",
  GRAPHQL_MAX_ALIASES: "100",
};
/** How far the servers' clock is ahead: known addresses age by it, the failure counters keep real time. */
let clockOffsetMs = 0;
const clock = () => Date.now() + clockOffsetMs;

/** A client address never seen before (sent through a trusted proxy), so tests never share a counter. */
function freshIp(): string {
  const bytes = crypto.randomBytes(6).toString("hex").match(/.{4}/g)!;
  return `2001:db8:${bytes.join(":")}::1`;
}

function login(app: RunningApp, email: string, password: string, ip: string): Promise<GraphQLResponse<LoginMutation>> {
  return graphql(app.url, LOGIN, { input: { email, password } }, { headers: { "x-forwarded-for": ip } });
}

function outcome(response: GraphQLResponse<LoginMutation>): string {
  if (response.data?.login) return "OK";
  const { code, reason } = response.errors![0]!.extensions!;
  // A refusal has a reason too (which limit: LOGIN_ATTEMPTS here); the code says it was one.
  return String(code === "TOO_MANY_REQUESTS" ? code : (reason ?? code));
}

describe("login brute-force limits (counters in PostgreSQL)", () => {
  let app: RunningApp;
  let secondProcess: RunningApp;

  beforeAll(async () => {
    app = await startTestServer(LIMITS, clock);
    secondProcess = await startTestServer(LIMITS, clock);
  });
  afterEach(() => {
    clockOffsetMs = 0;
  });
  afterAll(async () => {
    await Promise.all([app.stop(), secondProcess.stop()]);
  });

  test("after 3 failures an account is refused, even with the right password, from addresses it never logged in from", async () => {
    const { user } = await signUp(app.url);
    for (let i = 0; i < 3; i++) expect(outcome(await login(app, user.email, "wrong password", freshIp()))).toBe("INVALID_CREDENTIALS");
    const blocked = await login(app, user.email, PASSWORD, freshIp());
    expect(blocked.status).toBe(200);
    expect(blocked.data).toBeNull();
    expect(blocked.errors![0]!.message).toMatch(/Too many failed login attempts/);
    const { code, reason, retryAfterSeconds } = blocked.errors![0]!.extensions as {
      code: string;
      reason: string;
      retryAfterSeconds: number;
    };
    expect(code).toBe("TOO_MANY_REQUESTS");
    expect(reason).toBe("LOGIN_ATTEMPTS");
    expect(retryAfterSeconds).toBeGreaterThan(WINDOW_SECONDS - 60);
    expect(retryAfterSeconds).toBeLessThanOrEqual(WINDOW_SECONDS);
  });

  test("a successful login resets the account's counter", async () => {
    const { user } = await signUp(app.url);
    // Every attempt from a new address: all of them count on the one counter the unknown addresses share.
    for (let i = 0; i < 2; i++) expect(outcome(await login(app, user.email, "wrong password", freshIp()))).toBe("INVALID_CREDENTIALS");
    expect(outcome(await login(app, user.email, PASSWORD, freshIp()))).toBe("OK");
    // Without the reset the third failure below would already be refused (2 + 1 before, limit 3).
    for (let i = 0; i < 3; i++) expect(outcome(await login(app, user.email, "wrong password", freshIp()))).toBe("INVALID_CREDENTIALS");
    expect(outcome(await login(app, user.email, PASSWORD, freshIp()))).toBe("TOO_MANY_REQUESTS");
  });

  test("an unknown email is limited like a real one, so the limit tells nothing about accounts", async () => {
    const email = uniqueEmail("nobody");
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push(outcome(await login(app, email, "wrong password", freshIp())));
    expect(outcomes).toEqual(["INVALID_CREDENTIALS", "INVALID_CREDENTIALS", "INVALID_CREDENTIALS", "TOO_MANY_REQUESTS"]);
  });

  test("after 6 failures from one address, it is refused for every account", async () => {
    const ip = freshIp();
    for (let i = 0; i < 6; i++) expect(outcome(await login(app, uniqueEmail("spray"), "wrong password", ip))).toBe("INVALID_CREDENTIALS");
    const { user } = await signUp(app.url);
    expect(outcome(await login(app, user.email, PASSWORD, ip))).toBe("TOO_MANY_REQUESTS");
    expect(outcome(await login(app, user.email, PASSWORD, freshIp()))).toBe("OK");
  });

  test("an address over its limit adds nothing to the accounts it tries", async () => {
    const ip = freshIp();
    for (let i = 0; i < 6; i++) expect(outcome(await login(app, uniqueEmail("spray"), "wrong password", ip))).toBe("INVALID_CREDENTIALS");
    const { user } = await signUp(app.url);
    for (let i = 0; i < 5; i++) expect(outcome(await login(app, user.email, "wrong password", ip))).toBe("TOO_MANY_REQUESTS");
    // The account's counter did not move: its 3 failures are all still there to be had.
    for (let i = 0; i < 3; i++) expect(outcome(await login(app, user.email, "wrong password", freshIp()))).toBe("INVALID_CREDENTIALS");
    expect(outcome(await login(app, user.email, PASSWORD, freshIp()))).toBe("TOO_MANY_REQUESTS");
  });

  test("failures from elsewhere do not keep the owner out from the addresses they logged in from", async () => {
    const signedUpFrom = freshIp();
    const { user } = await signUp(app.url, {}, { "x-forwarded-for": signedUpFrom });
    const laterLoggedInFrom = freshIp();
    expect(outcome(await login(app, user.email, PASSWORD, laterLoggedInFrom))).toBe("OK");
    // An attacker fails from one fresh address after another: the limit still ends the guessing...
    const attack = [];
    for (let i = 0; i < 10; i++) attack.push(outcome(await login(app, user.email, "wrong password", freshIp())));
    expect(attack).toEqual([...Array(3).fill("INVALID_CREDENTIALS"), ...Array(7).fill("TOO_MANY_REQUESTS")]);
    // ...but the owner, with the right password, still gets in from both of their addresses.
    expect(outcome(await login(app, user.email, PASSWORD, signedUpFrom))).toBe("OK");
    expect(outcome(await login(app, user.email, PASSWORD, laterLoggedInFrom))).toBe("OK");
    // The same holds for checking the current password before a change.
    const { accessToken } = (await login(app, user.email, PASSWORD, signedUpFrom)).data!.login as { accessToken: string };
    const change = await graphql(
      app.url,
      CHANGE_PASSWORD,
      { input: { currentPassword: PASSWORD, newPassword: "a brand new password" } },
      { token: accessToken, headers: { "x-forwarded-for": signedUpFrom } },
    );
    expect(change.errors).toBeUndefined();
    // What the lock still costs the owner: a first login from a new address waits for the window.
    expect(outcome(await login(app, user.email, "a brand new password", freshIp()))).toBe("TOO_MANY_REQUESTS");
  });

  test("guessing from an address the owner uses is limited on its own count", async () => {
    const ownersAddress = freshIp();
    const { user } = await signUp(app.url, {}, { "x-forwarded-for": ownersAddress });
    // Someone behind the owner's address (a shared NAT, say), guessing in parallel: 3 reach the check.
    const responses = await Promise.all(Array.from({ length: 20 }, () => login(app, user.email, "wrong password", ownersAddress)));
    const outcomes = responses.map(outcome);
    expect(outcomes.filter((o) => o === "INVALID_CREDENTIALS")).toHaveLength(3);
    expect(outcomes.filter((o) => o === "TOO_MANY_REQUESTS")).toHaveLength(17);
    expect(outcome(await login(app, user.email, PASSWORD, ownersAddress))).toBe("TOO_MANY_REQUESTS");
    // The count every other address shares is untouched: those failures were not theirs.
    for (let i = 0; i < 3; i++) expect(outcome(await login(app, user.email, "wrong password", freshIp()))).toBe("INVALID_CREDENTIALS");
  });

  test("an address stays known for LOGIN_KNOWN_ADDRESS_TTL after its last login", async () => {
    const ownersAddress = freshIp();
    const { user } = await signUp(app.url, {}, { "x-forwarded-for": ownersAddress });
    for (let i = 0; i < 3; i++) expect(outcome(await login(app, user.email, "wrong password", freshIp()))).toBe("INVALID_CREDENTIALS");
    clockOffsetMs = (KNOWN_ADDRESS_TTL_SECONDS - 60) * 1000;
    expect(outcome(await login(app, user.email, PASSWORD, ownersAddress))).toBe("OK");
    // That login renewed the address: a full TTL from it, it is still known...
    clockOffsetMs += (KNOWN_ADDRESS_TTL_SECONDS - 60) * 1000;
    expect(outcome(await login(app, user.email, PASSWORD, ownersAddress))).toBe("OK");
    // ...and once a TTL has passed without a login from it, it is like any other address.
    clockOffsetMs += (KNOWN_ADDRESS_TTL_SECONDS + 60) * 1000;
    expect(outcome(await login(app, user.email, PASSWORD, ownersAddress))).toBe("TOO_MANY_REQUESTS");
  });

  test("IPv6 addresses count by their /64 network: rotating through one subscriber's block does not help", async () => {
    const network = freshIp().split(":").slice(0, 4).join(":");
    const inNetwork = (i: number) => `${network}:${i.toString(16)}:0:0:${(i * 7).toString(16)}`;
    for (let i = 1; i <= 6; i++)
      expect(outcome(await login(app, uniqueEmail("v6"), "wrong password", inNetwork(i)))).toBe("INVALID_CREDENTIALS");
    const { user } = await signUp(app.url);
    expect(outcome(await login(app, user.email, PASSWORD, inNetwork(99)))).toBe("TOO_MANY_REQUESTS");
    expect(outcome(await login(app, user.email, PASSWORD, freshIp()))).toBe("OK");
  });

  test("the counters are shared by every API process", async () => {
    const { user } = await signUp(app.url);
    for (let i = 0; i < 3; i++) expect(outcome(await login(app, user.email, "wrong password", freshIp()))).toBe("INVALID_CREDENTIALS");
    expect(outcome(await login(secondProcess, user.email, PASSWORD, freshIp()))).toBe("TOO_MANY_REQUESTS");
  });

  test("20 parallel attempts on one account: exactly 3 reach the password check", async () => {
    const { user } = await signUp(app.url);
    const responses = await Promise.all(Array.from({ length: 20 }, () => login(app, user.email, "wrong password", freshIp())));
    const outcomes = responses.map(outcome);
    expect(outcomes.filter((o) => o === "INVALID_CREDENTIALS")).toHaveLength(3);
    expect(outcomes.filter((o) => o === "TOO_MANY_REQUESTS")).toHaveLength(17);
  });

  test("50 password guesses aliased in one operation: each one counts, the limit holds", async () => {
    const { user } = await signUp(app.url);
    const guesses = Array.from(
      { length: 50 },
      (_, i) => `g${i}: login(input: {email: "${user.email}", password: "guess number ${i}"}) { accessToken }`,
    );
    const spray = () =>
      graphql(app.url, `mutation Spray { ${guesses.join("\n")} }`, undefined, { headers: { "x-forwarded-for": freshIp() } });
    // Mutation fields run one after another, and login is non-null: the first failure ends the
    // operation, so one operation is one counted guess (never 50 for the price of one)...
    for (let i = 0; i < 3; i++) {
      const response = await spray();
      expect(response.errors!.map((error) => error.extensions!.reason)).toEqual(["INVALID_CREDENTIALS"]);
    }
    // ...and once the account is over its limit, the operation is refused before any password check.
    const refused = await spray();
    expect(refused.errors!.map((error) => error.extensions!.code)).toEqual(["TOO_MANY_REQUESTS"]);
    expect(outcome(await login(app, user.email, PASSWORD, freshIp()))).toBe("TOO_MANY_REQUESTS");
  });

  test("a batch (JSON array of operations) is refused as a whole, so it cannot multiply attempts", async () => {
    const { user } = await signUp(app.url);
    const operation = { query: LOGIN.toString(), variables: { input: { email: user.email, password: "wrong password" } } };
    const response = await fetch(app.url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": freshIp() },
      body: JSON.stringify(Array.from({ length: 10 }, () => operation)),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/batch/i);
    // Nothing was counted: three failures are still allowed.
    for (let i = 0; i < 3; i++) expect(outcome(await login(app, user.email, "wrong password", freshIp()))).toBe("INVALID_CREDENTIALS");
  });

  test("changePassword's current-password check counts against the same account limit", async () => {
    const { user, accessToken } = await signUp(app.url);
    const change = (currentPassword: string) =>
      graphql(
        app.url,
        CHANGE_PASSWORD,
        { input: { currentPassword, newPassword: "a brand new password" } },
        { token: accessToken, headers: { "x-forwarded-for": freshIp() } },
      );
    for (let i = 0; i < 3; i++) expect((await change("wrong password")).errors![0]!.extensions!.reason).toBe("WRONG_PASSWORD");
    expect((await change(PASSWORD)).errors![0]!.extensions!.code).toBe("TOO_MANY_REQUESTS");
    expect(outcome(await login(app, user.email, PASSWORD, freshIp()))).toBe("TOO_MANY_REQUESTS");
  });

  test("deleteAccount's current-password check counts against the same account limit", async () => {
    const { user, accessToken } = await signUp(app.url);
    const deleteAccount = (currentPassword: string) =>
      graphql(app.url, DELETE_ACCOUNT, { currentPassword }, { token: accessToken, headers: { "x-forwarded-for": freshIp() } });
    for (let i = 0; i < 3; i++) expect((await deleteAccount("wrong password")).errors![0]!.extensions!.reason).toBe("WRONG_PASSWORD");
    expect((await deleteAccount(PASSWORD)).errors![0]!.extensions!.code).toBe("TOO_MANY_REQUESTS");
    expect(outcome(await login(app, user.email, PASSWORD, freshIp()))).toBe("TOO_MANY_REQUESTS");
    expect(await app.prisma.user.count({ where: { id: user.id } })).toBe(1);
  });

  test("the counters table holds no email address: the account's counter is keyed by its hash", async () => {
    const email = uniqueEmail("private");
    await login(app, email, "wrong password", freshIp());
    // rate-limiter-flexible stores "<keyPrefix>:<key>"; the account counter's prefix is "account".
    const counter = await app.prisma.loginRateLimit.findUnique({ where: { key: `account:${hashedEmail(email)}` } });
    expect(counter?.points).toBe(1);
    expect(await app.prisma.loginRateLimit.count({ where: { key: { contains: email } } })).toBe(0);
  });
});
