import crypto from "node:crypto";
import type { RunningApp } from "../../src/app";
import { graphql, PASSWORD, SIGNUP, uniqueEmail, type GraphQLResponse } from "../support/graphqlClient";
import { createIsolatedDatabase } from "../support/isolatedDatabase";
import { startTestServer, useTestServer } from "../support/testServer";
import { LONG_TEST_TIMEOUT_MS } from "../support/timeouts";
import type { SignupMutation } from "../support/generated/graphql";

const WINDOW_SECONDS = 3600;
const LIMITS = { TRUST_PROXY_HOPS: "1", SIGNUP_MAX_PER_IP: "3", SIGNUP_WINDOW: "1h" };

/** A client address never seen before (sent through a trusted proxy), so tests never share a counter. */
function freshIp(): string {
  const bytes = crypto.randomBytes(6).toString("hex").match(/.{4}/g)!;
  return `2001:db8:${bytes.join(":")}::1`;
}

function signup(
  url: string,
  ip: string,
  input: Partial<{ email: string; password: string; name: string }> = {},
): Promise<GraphQLResponse<SignupMutation>> {
  return graphql(
    url,
    SIGNUP,
    { input: { email: uniqueEmail("limit"), password: PASSWORD, name: "Limit", ...input } },
    { headers: { "x-forwarded-for": ip } },
  );
}

function outcome(response: GraphQLResponse<SignupMutation>): string {
  if (response.data?.signup) return "OK";
  const { code, reason } = response.errors![0]!.extensions!;
  return String(reason ?? code);
}

describe("signups per client address (counters in PostgreSQL)", () => {
  const app = useTestServer(LIMITS);
  const secondProcess = useTestServer(LIMITS);

  test("after 3 signups from one address the next is refused, saying when to retry; other addresses go on", async () => {
    const ip = freshIp();
    for (let i = 0; i < 3; i++) expect(outcome(await signup(app.url, ip))).toBe("OK");
    const email = uniqueEmail("refused");
    const refused = await signup(app.url, ip, { email });
    expect(refused.data).toBeNull();
    expect(refused.errors![0]!.message).toMatch(/^Too many signups from this address. Try again in \d+ seconds.$/);
    const { code, reason, retryAfterSeconds } = refused.errors![0]!.extensions as {
      code: string;
      reason: string;
      retryAfterSeconds: number;
    };
    expect({ code, reason }).toEqual({ code: "TOO_MANY_REQUESTS", reason: "SIGNUP_ATTEMPTS" });
    expect(retryAfterSeconds).toBeGreaterThan(WINDOW_SECONDS - 60);
    expect(retryAfterSeconds).toBeLessThanOrEqual(WINDOW_SECONDS);
    expect(await app.prisma.user.count({ where: { email } })).toBe(0);
    expect(outcome(await signup(app.url, freshIp()))).toBe("OK");
  });

  test("probing which emails have accounts is bounded: a taken email counts, and over the limit it is not told apart", async () => {
    const taken = uniqueEmail("taken");
    expect(outcome(await signup(app.url, freshIp(), { email: taken }))).toBe("OK");
    const prober = freshIp();
    for (let i = 0; i < 3; i++) expect(outcome(await signup(app.url, prober, { email: taken }))).toBe("EMAIL_TAKEN");
    expect(outcome(await signup(app.url, prober, { email: taken }))).toBe("SIGNUP_ATTEMPTS");
    expect(outcome(await signup(app.url, prober, { email: uniqueEmail("free") }))).toBe("SIGNUP_ATTEMPTS");
  });

  test("a signup refused as invalid input does not count", async () => {
    const ip = freshIp();
    for (let i = 0; i < 5; i++) expect(outcome(await signup(app.url, ip, { password: "short" }))).toBe("INVALID");
    for (let i = 0; i < 3; i++) expect(outcome(await signup(app.url, ip))).toBe("OK");
  });

  test("IPv6 addresses count by their /64 network", async () => {
    const network = freshIp().split(":").slice(0, 4).join(":");
    for (let i = 1; i <= 3; i++) expect(outcome(await signup(app.url, `${network}:${i}::${i}`))).toBe("OK");
    expect(outcome(await signup(app.url, `${network}:ffff::1`))).toBe("SIGNUP_ATTEMPTS");
  });

  test("the count is shared by every API process", async () => {
    const ip = freshIp();
    for (const server of [app, secondProcess, app]) expect(outcome(await signup(server.url, ip))).toBe("OK");
    expect(outcome(await signup(secondProcess.url, ip))).toBe("SIGNUP_ATTEMPTS");
  });
});

describe("the default signup limit, on a development server", () => {
  // A database of its own: every test file signs up from 127.0.0.1, and this counts that address.
  let database: Awaited<ReturnType<typeof createIsolatedDatabase>>;
  let app: RunningApp;
  beforeAll(async () => {
    database = await createIsolatedDatabase();
    // As `npm start` runs on a laptop: defaults, no proxy, every signup from 127.0.0.1.
    app = await startTestServer({ NODE_ENV: "development", DATABASE_URL: database.url, SIGNUP_MAX_PER_IP: "", SIGNUP_WINDOW: "" });
  }, LONG_TEST_TIMEOUT_MS);
  afterAll(async () => {
    await app?.stop();
    await database?.drop();
  });

  const signupHere = () => graphql(app.url, SIGNUP, { input: { email: uniqueEmail("suite"), password: PASSWORD, name: "Suite" } });

  test(
    "an end-to-end suite signs up 50 users in a minute; a flood from one address is still refused after 100 in 10 minutes",
    async () => {
      const suite = await Promise.all(Array.from({ length: 50 }, signupHere));
      expect(suite.map(outcome)).toEqual(Array<string>(50).fill("OK"));
      for (let i = 50; i < 100; i++) expect(outcome(await signupHere())).toBe("OK");
      const refused = await signupHere();
      expect(outcome(refused)).toBe("SIGNUP_ATTEMPTS");
      expect(refused.errors![0]!.extensions!.retryAfterSeconds).toBeLessThanOrEqual(600);
    },
    LONG_TEST_TIMEOUT_MS,
  );
});
