import type { RunningApp } from "../../src/app";
import { graphql, LOGIN, ME, MY_SESSIONS, REFRESH, signUp } from "../support/graphqlClient";
import { startTestServer, useTestServer } from "../support/testServer";

/** `n` copies of `unit`, spaced, for operations of a chosen size. */
const repeat = (unit: string, n: number) => Array.from({ length: n }, (_, i) => unit.replaceAll("#", String(i))).join(" ");

async function expectRefused(app: RunningApp, query: string, code: string, message: RegExp, token?: string) {
  const response = await graphql(app.url, query, undefined, { token });
  expect(response.status).toBe(400);
  expect(response.data).toBeUndefined();
  expect(response.errors!.some((error) => error.extensions?.code === code && message.test(error.message))).toBe(true);
}

describe("operation limits (graphql-armor rules and graphql-js maxTokens), defaults", () => {
  let app: RunningApp;
  let token: string;
  beforeAll(async () => {
    app = await startTestServer();
    token = (await signUp(app.url)).accessToken;
  });
  afterAll(() => app.stop());

  test("more than 15 aliases are refused; 15 pass", async () => {
    expect((await graphql(app.url, `{ ${repeat("a#: me { id }", 15)} }`, undefined, { token })).errors).toBeUndefined();
    await expectRefused(
      app,
      `{ ${repeat("a#: me { id }", 16)} }`,
      "GRAPHQL_VALIDATION_FAILED",
      /Aliases limit of 15 exceeded, found 16/,
      token,
    );
  });

  test("more than 10 directives are refused; 10 pass", async () => {
    expect((await graphql(app.url, `{ ${repeat("__typename @include(if: true)", 10)} }`)).errors).toBeUndefined();
    await expectRefused(
      app,
      `{ ${repeat("__typename @include(if: true)", 11)} }`,
      "GRAPHQL_VALIDATION_FAILED",
      /Directives limit of 10 exceeded, found 11/,
    );
  });

  test("a document over 1000 tokens is not even parsed", async () => {
    await expectRefused(app, `{ ${repeat("__typename", 1000)} }`, "GRAPHQL_PARSE_FAILED", /contains more th.. 1000 tokens/);
  });

  test("deep nesting is refused by its depth, whatever the fields", async () => {
    const deep = `{ ${"me { ".repeat(30)}id${" }".repeat(30)} }`;
    await expectRefused(app, deep, "GRAPHQL_VALIDATION_FAILED", /Query depth limit of 8 exceeded, found 31/, token);
  });

  test("a list costs by its page size: 15 aliased pages of sessions are refused, whatever the form of `first`", async () => {
    const page = (first: string) => `mySessions${first} { edges { node { id createdAt lastUsedAt expiresAt userAgent ip current } } }`;
    const refusal = /Query Cost limit of 10000 exceeded, found \d+/;
    await expectRefused(app, `{ ${repeat(`a#: ${page("(first: 100)")}`, 15)} }`, "GRAPHQL_VALIDATION_FAILED", refusal, token);
    // A variable could be anything up to the largest page; a left-out `first` is its default, 20.
    await expectRefused(
      app,
      `query ($n: Int) { ${repeat(`a#: ${page("(first: $n)")}`, 15)} }`,
      "GRAPHQL_VALIDATION_FAILED",
      refusal,
      token,
    );
    const withPageInfo = `a#: mySessions { edges { cursor node { id createdAt lastUsedAt expiresAt userAgent ip current } } pageInfo { hasNextPage endCursor } }`;
    await expectRefused(app, `{ ${repeat(withPageInfo, 15)} }`, "GRAPHQL_VALIDATION_FAILED", refusal, token);
  });

  test("one page of sessions, of any allowed size, is within the cost limit", async () => {
    for (const variables of [{}, { first: 100 }]) {
      const response = await graphql(app.url, MY_SESSIONS, variables, { token });
      expect(response.errors).toBeUndefined();
      expect(response.data!.mySessions.edges).toHaveLength(1);
    }
  });

  test("a normal operation is well within every limit", async () => {
    const response = await graphql(app.url, ME, undefined, { token });
    expect(response.errors).toBeUndefined();
  });
});

describe("operation limits are settings", () => {
  test("depth and cost limits apply as configured", async () => {
    const app = await startTestServer({ GRAPHQL_MAX_DEPTH: "1", GRAPHQL_MAX_COST: "10" });
    try {
      // Limits are checked before anyone is authenticated: no token needed to be refused.
      await expectRefused(app, "{ me { id } }", "GRAPHQL_VALIDATION_FAILED", /Query depth limit of 1 exceeded, found 2/);
      await expectRefused(app, `{ ${repeat("__typename", 11)} }`, "GRAPHQL_VALIDATION_FAILED", /Query Cost limit of 10 exceeded/);
      expect((await graphql(app.url, "{ __typename }")).errors).toBeUndefined();
    } finally {
      await app.stop();
    }
  });
});

test.each([
  ["GRAPHQL_MAX_DEPTH", "0", /GRAPHQL_MAX_DEPTH must be a whole number from 1/],
  ["GRAPHQL_MAX_TOKENS", "lots", /GRAPHQL_MAX_TOKENS must be a whole number/],
  ["LOGIN_MAX_FAILURES_PER_ACCOUNT", "-1", /LOGIN_MAX_FAILURES_PER_ACCOUNT must be a whole number/],
  ["LOGIN_FAILURE_WINDOW", "forever", /LOGIN_FAILURE_WINDOW must be a duration/],
])("%s=%s stops start-up with a clear message", async (name, value, message) => {
  await expect(async () => startTestServer({ [name]: value })).rejects.toThrow(message);
});

describe("HTTP", () => {
  const app = useTestServer({ MAX_BODY_BYTES: "5000" });

  test("a body over MAX_BODY_BYTES is refused with 413 and a clear error, declared or streamed", async () => {
    const body = JSON.stringify({ query: "{ __typename }", variables: { pad: "x".repeat(10_000) } });
    const declared = await fetch(app.url, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { errors: Array<{ message: string }> }).errors[0]!.message).toBe(
      "The request body is larger than 5000 bytes.",
    );

    // No Content-Length: the server counts while reading.
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(body));
        controller.close();
      },
    });
    const streamed = await fetch(app.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: stream,
      duplex: "half",
    });
    expect(streamed.status).toBe(413);
  });

  test("CSRF prevention: a GET or a form-like POST without a preflight header is refused", async () => {
    const url = `${app.url}?query=${encodeURIComponent("{ __typename }")}`;
    const get = await fetch(url);
    expect(get.status).toBe(400);
    expect(await get.text()).toMatch(/Cross-Site Request Forgery/);

    const formPost = await fetch(app.url, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(formPost.status).toBe(400);
    expect(await formPost.text()).toMatch(/Cross-Site Request Forgery/);

    const withHeader = await fetch(url, { headers: { "apollo-require-preflight": "true" } });
    expect(withHeader.status).toBe(200);
  });

  test("a subscription over HTTP is refused before it runs, pointing to the WebSocket, not an internal error", async () => {
    const response = await graphql(app.url, "subscription { sessionEvents { kind } }");
    expect(response.status).toBe(400);
    expect(response.errors).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/WebSocket/), extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }),
    ]);
  });

  test("a mutation over GET is refused", async () => {
    const url = `${app.url}?query=${encodeURIComponent("mutation { logout }")}`;
    const response = await fetch(url, { headers: { "apollo-require-preflight": "true" } });
    expect(response.status).toBe(405);
  });
});

describe("CORS", () => {
  const preflight = (app: RunningApp, origin: string) =>
    fetch(app.url, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type, authorization" },
    });

  test("development: pages on localhost, any port, may call; other origins get no CORS headers", async () => {
    const app = await startTestServer();
    try {
      const local = await preflight(app, "http://localhost:5173");
      expect(local.status).toBe(204);
      expect(local.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
      expect(local.headers.get("access-control-allow-headers")).toMatch(/authorization/);

      const post = await fetch(app.url, {
        method: "POST",
        headers: { origin: "http://127.0.0.1:8080", "content-type": "application/json" },
        body: JSON.stringify({ query: "{ __typename }" }),
      });
      expect(post.headers.get("access-control-allow-origin")).toBe("http://127.0.0.1:8080");
      expect(post.headers.get("access-control-expose-headers")).toBe("x-request-id");

      const evil = await preflight(app, "https://evil.example");
      expect(evil.status).toBe(403);
      expect(evil.headers.get("access-control-allow-origin")).toBeNull();

      const evilPost = await fetch(app.url, {
        method: "POST",
        headers: { origin: "https://evil.example", "content-type": "application/json" },
        body: JSON.stringify({ query: "{ __typename }" }),
      });
      expect(evilPost.headers.get("access-control-allow-origin")).toBeNull();
    } finally {
      await app.stop();
    }
  });

  test("production: closed by default; CORS_ORIGINS opens exactly the origins listed", async () => {
    const closed = await startTestServer({ NODE_ENV: "production" });
    const open = await startTestServer({ NODE_ENV: "production", CORS_ORIGINS: "https://app.example.com" });
    try {
      expect((await preflight(closed, "http://localhost:3000")).status).toBe(403);
      const allowed = await preflight(open, "https://app.example.com");
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
      expect(allowed.headers.get("access-control-allow-credentials")).toBe("true");
      expect((await preflight(open, "https://app.example.com.evil.example")).status).toBe(403);
      expect((await preflight(open, "http://app.example.com")).status).toBe(403);
    } finally {
      await Promise.all([closed.stop(), open.stop()]);
    }
  });

  test("the request headers a client library asks for are allowed for an allowed origin only", async () => {
    const app = await startTestServer({ NODE_ENV: "production", CORS_ORIGINS: "https://app.example.com" });
    const ask = (origin: string, requestHeaders: string) =>
      fetch(app.url, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": requestHeaders },
      });
    try {
      // What Apollo Client with a client name and an OpenTelemetry-instrumented fetch ask for.
      const clientHeaders = "apollographql-client-name,apollographql-client-version,authorization,content-type,traceparent";
      const allowed = await ask("https://app.example.com", clientHeaders);
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
      const allowedHeaders = allowed.headers.get("access-control-allow-headers")!.split(/\s*,\s*/);
      expect(allowedHeaders).toEqual(expect.arrayContaining(["apollographql-client-name", "apollographql-client-version", "traceparent"]));
      expect(allowed.headers.get("vary")).toBe("Origin, Access-Control-Request-Headers");

      const refused = await ask("https://evil.example", clientHeaders);
      expect(refused.status).toBe(403);
      expect(refused.headers.get("access-control-allow-origin")).toBeNull();
      expect(refused.headers.get("access-control-allow-headers")).toBeNull();

      // A list no browser would send (not header names, or far too long) gets the fixed defaults, not an echo.
      for (const odd of ["x-a, bad header", "x-a;x-b", `x-${"a".repeat(2000)}`]) {
        const answer = await ask("https://app.example.com", odd);
        expect(answer.status).toBe(204);
        expect(answer.headers.get("access-control-allow-headers")).toBe(
          "content-type, authorization, apollo-require-preflight, x-apollo-operation-name",
        );
      }
    } finally {
      await app.stop();
    }
  });

  test.each(["app.example.com", "https://app.example.com/path", "ftp://x.example"])("CORS_ORIGINS=%s stops start-up", async (value) => {
    await expect(async () => startTestServer({ CORS_ORIGINS: value })).rejects.toThrow(/CORS_ORIGINS must be/);
  });
});

describe("production defaults", () => {
  const INTROSPECTION = "{ __schema { queryType { name } } }";

  test("introspection, the Sandbox landing page and field suggestions are off", async () => {
    const app = await startTestServer({ NODE_ENV: "production" });
    try {
      await expectRefused(app, INTROSPECTION, "GRAPHQL_VALIDATION_FAILED", /introspection/i);
      const landing = await fetch(app.url, { headers: { accept: "text/html" } });
      expect(await landing.text()).not.toMatch(/<html/i);
      const explorerScript = await fetch(new URL("/explorer/explorer.js", app.url));
      expect(explorerScript.status).toBe(404);
      await explorerScript.body?.cancel();
      const typo = await graphql(app.url, "{ mee }");
      expect(typo.status).toBe(400);
      expect(typo.text).not.toMatch(/Did you mean/);
    } finally {
      await app.stop();
    }
  });

  // Apollo's hideSchemaDetailsFromClientErrors covers the document's validation, not the
  // coercion of variables, whose errors also suggest names from the schema.
  const misspelled = [
    ["a field", "{ mee { id } }", undefined],
    ["an enum value in a variable", REFRESH.toString(), { token: "x", delivery: "COOKY" }],
    ["an input field in a variable", LOGIN.toString(), { input: { emial: "ada@example.com", password: "x" } }],
    ["an enum value in the document", 'mutation { refreshToken(token: "x", refreshTokenDelivery: COOKY) { accessToken } }', undefined],
  ] as const;

  test.each(misspelled)("production: a misspelled name (%s) gets no suggestion", async (_name, query, variables) => {
    const app = await startTestServer({ NODE_ENV: "production" });
    try {
      const response = await graphql(app.url, query, variables);
      expect(response.errors?.[0]?.extensions?.code).toMatch(/BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/);
      expect(response.text).not.toMatch(/Did you mean/);
    } finally {
      await app.stop();
    }
  });

  test.each(misspelled)("development: a misspelled name (%s) gets its suggestion", async (_name, query, variables) => {
    const app = await startTestServer({ NODE_ENV: "development" });
    try {
      expect((await graphql(app.url, query, variables)).text).toMatch(/Did you mean/);
    } finally {
      await app.stop();
    }
  });

  test("INTROSPECTION and LANDING_PAGE turn them back on", async () => {
    const app = await startTestServer({ NODE_ENV: "production", INTROSPECTION: "true", LANDING_PAGE: "true" });
    try {
      const response = await graphql(app.url, INTROSPECTION);
      expect(response.data).toMatchObject({ __schema: { queryType: { name: "Query" } } });
      const landing = await fetch(app.url, { headers: { accept: "text/html" } });
      expect(await landing.text()).toMatch(/<html/i);
    } finally {
      await app.stop();
    }
  });
});
