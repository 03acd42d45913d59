import type { RunningApp } from "../../src/app";
import { captureLogs } from "../support/capturedLogs";
import { startTestServer } from "../support/testServer";
import { graphql, LOGIN, ME, PASSWORD, SIGNUP, uniqueEmail } from "../support/graphqlClient";
import { waitUntil } from "../support/waitUntil";

describe("request logs", () => {
  let app: RunningApp;
  const logs = captureLogs("debug");
  const lines = logs.lines;
  const requestLine = (requestId: string | null) => lines().filter((line) => line.msg === "request" && line.requestId === requestId);

  beforeAll(async () => {
    app = await startTestServer({}, undefined, logs.logger);
  });
  afterAll(() => app.stop());

  /** The line is written when the response closes, which can be a moment after the client has it. */
  async function lineFor(requestId: string | null) {
    await waitUntil(() => requestLine(requestId).length > 0, `request ${requestId} is logged`);
    const found = requestLine(requestId);
    expect(found).toHaveLength(1);
    return found[0]!;
  }

  test("signup, login and me: one line each, with the operation, the caller and the outcome, and no secret", async () => {
    const email = uniqueEmail("logged");
    const signup = await graphql(app.url, SIGNUP, { input: { email, password: PASSWORD, name: "Logged" } });
    const login = await graphql(app.url, LOGIN, { input: { email, password: PASSWORD } });
    const { accessToken, refreshToken, user } = login.data!.login;
    const me = await graphql(app.url, ME, undefined, { token: accessToken });
    const wrongPassword = await graphql(app.url, LOGIN, { input: { email, password: "wrong password 123" } });
    const { user: signedUp } = signup.data!.signup;
    expect(signedUp.id).toBe(user.id);

    expect(await lineFor(signup.headers.get("x-request-id"))).toMatchObject({
      operation: "Signup",
      status: 200,
      outcome: "ok",
      userId: user.id,
    });
    expect(await lineFor(login.headers.get("x-request-id"))).toMatchObject({ operation: "Login", outcome: "ok", userId: user.id });
    const meLine = await lineFor(me.headers.get("x-request-id"));
    expect(meLine).toMatchObject({ method: "POST", path: "/graphql", operation: "Me", userId: user.id, status: 200, outcome: "ok" });
    expect(typeof meLine.durationMs).toBe("number");
    const refused = await lineFor(wrongPassword.headers.get("x-request-id"));
    expect(refused).toMatchObject({ operation: "Login", outcome: "error", errorCodes: ["UNAUTHENTICATED"] });
    expect(refused).not.toHaveProperty("userId");

    const { passwordHash } = await app.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    for (const secret of [
      PASSWORD,
      "wrong password 123",
      accessToken,
      signup.data!.signup.accessToken,
      refreshToken,
      signup.data!.signup.refreshToken,
      passwordHash,
    ]) {
      expect(logs.text()).not.toContain(secret);
    }
  });

  test("a refused access token: the client gets the reason only; the debug log says which check failed", async () => {
    const signup = await graphql(app.url, SIGNUP, { input: { email: uniqueEmail("refused"), password: PASSWORD, name: "Refused" } });
    const token = signup.data!.signup.accessToken;
    // One character of the signature changed: still base64url, no longer the signature.
    const forged = token.slice(0, -10) + (token.at(-10) === "A" ? "B" : "A") + token.slice(-9);
    const me = await graphql(app.url, ME, undefined, { token: forged });
    expect(me.errors?.[0]?.extensions).toEqual({ code: "UNAUTHENTICATED", reason: "TOKEN_INVALID" });

    const requestId = me.headers.get("x-request-id");
    const line = await lineFor(requestId);
    expect(line).toMatchObject({ operation: "Me", errorCodes: ["UNAUTHENTICATED"], level: 30 });
    expect(line).not.toHaveProperty("tokenRefusal");
    const refusal = lines().filter((entry) => entry.msg === "access token refused" && entry.requestId === requestId);
    expect(refusal).toEqual([expect.objectContaining({ level: 20, tokenRefusal: "invalid signature" })]);
    expect(logs.text()).not.toContain(forged);
  });

  test("probes are logged at debug level only", async () => {
    const response = await fetch(new URL("/healthz", app.url));
    expect(await lineFor(response.headers.get("x-request-id"))).toMatchObject({ path: "/healthz", level: 20 });
  });

  test("a request that is not GraphQL at all is logged too", async () => {
    const response = await fetch(app.url, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
    expect(response.status).toBe(400);
    expect(await lineFor(response.headers.get("x-request-id"))).toMatchObject({ status: 400, outcome: "error", level: 30 });
  });
});
