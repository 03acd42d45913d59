import crypto from "node:crypto";
import { StartPasskeyLoginDocument, type StartPasskeyLoginMutation } from "../support/generated/graphql";
import { graphql, signUp, type GraphQLResponse } from "../support/graphqlClient";
import { finishLogin, registerPasskey } from "../support/passkeys";
import { SoftwareAuthenticator } from "../support/softwareAuthenticator";
import { useTestServer } from "../support/testServer";

// startPasskeyLogin writes a challenge row for anyone who asks, so the starts are limited per
// client address. The relying party is the default one: APP_URL's host and origin.
const ORIGIN = "http://localhost:4000";
const WINDOW_SECONDS = 300;
const LIMITS = { TRUST_PROXY_HOPS: "1", PASSKEY_LOGIN_MAX_PER_IP: "3", PASSKEY_LOGIN_WINDOW: "5m" };

/** A client address never seen before (sent through a trusted proxy), so tests never share a counter. */
function freshIp(): string {
  const bytes = crypto.randomBytes(6).toString("hex").match(/.{4}/g)!;
  return `2001:db8:${bytes.join(":")}::1`;
}

function start(url: string, ip: string, email?: string): Promise<GraphQLResponse<StartPasskeyLoginMutation>> {
  return graphql(url, StartPasskeyLoginDocument, { email }, { headers: { "x-forwarded-for": ip } });
}

function outcome(response: GraphQLResponse<StartPasskeyLoginMutation>): string {
  if (response.data?.startPasskeyLogin) return "OK";
  const { code, reason } = response.errors![0]!.extensions!;
  return String(reason ?? code);
}

describe("passkey sign-ins started per client address (counters in PostgreSQL)", () => {
  const app = useTestServer(LIMITS);
  const secondProcess = useTestServer(LIMITS);

  /** The live challenges of starts that named this account's email. */
  const challengesOf = (userId: string) => app.prisma.passkeyChallenge.count({ where: { userId } });

  test("after 3 starts from one address the next is refused, saying when to retry, and stores no challenge; other addresses go on", async () => {
    const { user } = await signUp(app.url);
    const ip = freshIp();
    for (let i = 0; i < 3; i++) expect(outcome(await start(app.url, ip, user.email))).toBe("OK");
    expect(await challengesOf(user.id)).toBe(3);

    const refused = await start(app.url, ip, user.email);
    expect(refused.data).toBeNull();
    expect(refused.errors![0]!.message).toMatch(/^Too many passkey sign-ins started from this address. Try again in \d+ seconds.$/);
    const { code, reason, retryAfterSeconds } = refused.errors![0]!.extensions as {
      code: string;
      reason: string;
      retryAfterSeconds: number;
    };
    expect({ code, reason }).toEqual({ code: "TOO_MANY_REQUESTS", reason: "PASSKEY_LOGIN_STARTS" });
    expect(retryAfterSeconds).toBeGreaterThan(WINDOW_SECONDS - 60);
    expect(retryAfterSeconds).toBeLessThanOrEqual(WINDOW_SECONDS);
    expect(refused.headers.get("set-cookie") ?? "").not.toMatch(/passkey_login=/);
    // Without an email as well: the address is over its limit, whatever it asks for.
    expect(outcome(await start(app.url, ip))).toBe("PASSKEY_LOGIN_STARTS");
    expect(await challengesOf(user.id)).toBe(3);

    expect(outcome(await start(app.url, freshIp(), user.email))).toBe("OK");
    expect(await challengesOf(user.id)).toBe(4);
  });

  test("a start refused as invalid input does not count", async () => {
    const ip = freshIp();
    for (let i = 0; i < 5; i++) expect(outcome(await start(app.url, ip, "not an email"))).toBe("INVALID");
    for (let i = 0; i < 3; i++) expect(outcome(await start(app.url, ip))).toBe("OK");
    expect(outcome(await start(app.url, ip))).toBe("PASSKEY_LOGIN_STARTS");
  });

  test("a sign-in started within the limit still finishes from an address that is over it", async () => {
    const account = await signUp(app.url);
    const authenticator = new SoftwareAuthenticator({ origin: ORIGIN });
    await registerPasskey(app.url, account.accessToken, authenticator);
    const ip = freshIp();
    let started: GraphQLResponse<StartPasskeyLoginMutation> | undefined;
    for (let i = 0; i < 3; i++) started = await start(app.url, ip);
    expect(outcome(await start(app.url, ip))).toBe("PASSKEY_LOGIN_STARTS");
    const cookie = /passkey_login=[^;]+/.exec(started!.headers.get("set-cookie") ?? "")![0];
    const finished = await finishLogin(app.url, authenticator.get(started!.data!.startPasskeyLogin), cookie, { "x-forwarded-for": ip });
    expect(finished.errors).toBeUndefined();
    expect(finished.data!.finishPasskeyLogin.accessToken).toEqual(expect.any(String));
  });

  test("IPv6 addresses count by their /64 network, and the count is shared by every API process", async () => {
    const network = freshIp().split(":").slice(0, 4).join(":");
    expect(outcome(await start(app.url, `${network}:1::1`))).toBe("OK");
    expect(outcome(await start(secondProcess.url, `${network}:2::2`))).toBe("OK");
    expect(outcome(await start(app.url, `${network}:3::3`))).toBe("OK");
    expect(outcome(await start(secondProcess.url, `${network}:ffff::1`))).toBe("PASSKEY_LOGIN_STARTS");
  });
});
