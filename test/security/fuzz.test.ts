import crypto from "node:crypto";
import v8 from "node:v8";
import vm from "node:vm";
import type { RunningApp } from "../../src/app";
import { captureLogs, type CapturedLogs } from "../support/capturedLogs";
import {
  CHANGE_PASSWORD,
  graphql,
  LOGIN,
  ME,
  MY_SESSIONS,
  PASSWORD,
  REFRESH,
  REVOKE_SESSION,
  signUp,
  SIGNUP,
  uniqueEmail,
} from "../support/graphqlClient";
import { rawRequest } from "../support/rawHttp";
import { randomSource, type Random } from "../support/seededRandom";
import { FUZZ_TEST_TIMEOUT_MS } from "../support/timeouts";
import { startTestServer, TEST_JWT_SECRET, useTestServer } from "../support/testServer";
import { expectMeRefused, serverClaims } from "../support/tokenAssertions";

// Thousands of random and malformed requests, all to 127.0.0.1, from a fixed seed so that a
// failure can be replayed. Every answer must be a 4xx or a GraphQL error that is not an
// internal one; the server must stay up and its heap must not keep growing.
const SEED = 20261129;
const REQUESTS_PER_ROUND = 1500;
const CONCURRENCY = 16;
/**
 * Caches (Apollo's parsed-document LRU of about 30 MiB, Prisma's compiled queries) fill during the
 * warm-up rounds: seen +18 MB over the first four rounds, then within ±0.5 MB for six more. A
 * leak of 5 KB per request would pass this bound over the measured 3,000 requests.
 */
const MAX_HEAP_GROWTH_BYTES = 15 * 1024 * 1024;

const ODD_CHARACTERS = ["\u0000", "\u0007", "\ud800", "\udfff", "é", "😀", "\u202e", "'", '"', "\\", "{", "}", "$", "@", "\n", " "];

function randomString(random: Random, maxLength: number): string {
  const length = random.int(maxLength);
  let text = "";
  for (let i = 0; i < length; i++) text += random.next() < 0.3 ? random.pick(ODD_CHARACTERS) : String.fromCharCode(32 + random.int(95));
  return text;
}

/** A valid operation with a few characters flipped, dropped or duplicated. */
function mutated(random: Random, text: string): string {
  const chars = [...text];
  for (let i = random.int(4) + 1; i > 0; i--) {
    const at = random.int(chars.length);
    const choice = random.int(3);
    if (choice === 0) chars.splice(at, 1);
    else if (choice === 1) chars.splice(at, 0, chars[random.int(chars.length)]!);
    else chars[at] = String.fromCharCode(32 + random.int(95));
  }
  return chars.join("");
}

function randomValue(random: Random, depth = 0): unknown {
  switch (random.int(depth > 2 ? 5 : 7)) {
    case 0:
      return null;
    case 1:
      return random.int(1e9) - 5e8;
    case 2:
      return random.next() < 0.5;
    case 3:
      return randomString(random, 40);
    case 4:
      return "x".repeat(random.int(60_000));
    case 5:
      return Array.from({ length: random.int(4) }, () => randomValue(random, depth + 1));
    default:
      return {
        email: randomValue(random, depth + 1),
        password: randomValue(random, depth + 1),
        name: randomValue(random, depth + 1),
        [randomString(random, 8)]: 1,
      };
  }
}

interface FuzzRequest {
  method: string;
  headers: Record<string, string>;
  path: string;
  body?: string;
}

const JSON_TYPE = { "content-type": "application/json" };

/** A live account's access token, so that operations needing a caller get past authentication. */
interface FuzzContext {
  accessToken: string;
}

const GENERATORS: Array<(random: Random, context: FuzzContext) => FuzzRequest> = [
  // Bad JSON.
  (random) => ({
    method: "POST",
    headers: JSON_TYPE,
    path: "/graphql",
    body: random.pick(["{", "[", '{"query":', "nul", '"\\u12"', '{"query": "{ me }",}', randomString(random, 200)]),
  }),
  // Well-formed JSON of the wrong shape or types.
  (random) => ({
    method: "POST",
    headers: JSON_TYPE,
    path: "/graphql",
    body: JSON.stringify(
      random.pick([
        null,
        42,
        "query",
        [],
        [{ query: "{ __typename }" }],
        { query: randomValue(random), variables: randomValue(random), operationName: randomValue(random) },
      ]),
    ),
  }),
  // Valid operations with random variables: wrong types, huge strings, unknown fields, odd characters.
  (random) => ({
    method: "POST",
    headers: JSON_TYPE,
    path: "/graphql",
    body: JSON.stringify({ query: random.pick([SIGNUP, LOGIN]).toString(), variables: { input: randomValue(random) } }),
  }),
  // The session operations, as a signed-in caller, with random arguments.
  (random, { accessToken }) => ({
    method: "POST",
    headers: { ...JSON_TYPE, authorization: `Bearer ${accessToken}` },
    path: "/graphql",
    body: JSON.stringify({
      query: random.pick([REFRESH, CHANGE_PASSWORD, MY_SESSIONS, REVOKE_SESSION]).toString(),
      variables: { id: randomValue(random), token: randomValue(random), input: randomValue(random) },
    }),
  }),
  // Valid operations, slightly broken.
  (random) => ({
    method: "POST",
    headers: JSON_TYPE,
    path: "/graphql",
    body: JSON.stringify({ query: mutated(random, random.pick([SIGNUP, LOGIN, ME]).toString()) }),
  }),
  // Unknown fields and arguments.
  (random) => ({
    method: "POST",
    headers: JSON_TYPE,
    path: "/graphql",
    body: JSON.stringify({
      query: random.pick([
        "{ users { passwordHash } }",
        "{ me { passwordHash } }",
        "{ me(id: 1) { id } }",
        "mutation { deleteEverything }",
        "subscription { me { id } }",
        '{ __type(name: "User") { fields { name } } }',
      ]),
    }),
  }),
  // Deep nesting and long documents.
  (random) => {
    const depth = 1 + random.int(400);
    return {
      method: "POST",
      headers: JSON_TYPE,
      path: "/graphql",
      body: JSON.stringify({ query: `{ ${"me { ".repeat(depth)}id${" }".repeat(depth)} }` }),
    };
  },
  // Huge string literals inside the document.
  (random) => ({
    method: "POST",
    headers: JSON_TYPE,
    path: "/graphql",
    body: JSON.stringify({
      query: `mutation { login(input: {email: "${"a".repeat(random.int(90_000))}", password: "x"}) { accessToken } }`,
    }),
  }),
  // Other methods, paths, content types and headers.
  (random) => ({
    method: random.pick(["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "POST"]),
    headers: {
      "content-type": random.pick([
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "application/json; charset=latin1",
        "application/graphql",
      ]),
      authorization: random.pick([
        "Bearer",
        "Bearer a.b.c",
        `Bearer ${"A".repeat(9000)}`,
        "Basic Zm9vOmJhcg==",
        randomString(random, 50).replace(/[^\x20-\x7e]/g, ""),
      ]),
    },
    path: random.pick([
      "/graphql",
      "/graphql?query=%7B__typename%7D",
      "/graphql?query=%ZZ",
      "/",
      "/.well-known/jwks.json",
      "/healthz",
      "/graphql/../etc/passwd",
    ]),
    body: random.pick([undefined, "x", JSON.stringify({ query: "{ __typename }" })]),
  }),
];

/** Runs `count` random requests, `CONCURRENCY` at a time; returns every answer that breaks the rules. */
async function fuzz(app: Pick<RunningApp, "url">, random: Random, context: FuzzContext, count: number): Promise<string[]> {
  const origin = new URL(app.url).origin;
  const violations: string[] = [];
  let issued = 0;
  const worker = async () => {
    while (issued < count) {
      issued++;
      const request = random.pick(GENERATORS)(random, context);
      const bodyAllowed = request.method !== "GET" && request.method !== "HEAD";
      const response = await fetch(origin + request.path, {
        method: request.method,
        headers: request.headers,
        body: bodyAllowed ? request.body : undefined,
      });
      const text = await response.text();
      const described = `${request.method} ${request.path} ${String(request.body).slice(0, 120)} -> ${response.status} ${text.slice(0, 200)}`;
      if (response.status >= 500) violations.push(described);
      else if (/INTERNAL_SERVER_ERROR|prisma|stack|\.ts:\d+/i.test(text)) violations.push(described);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return violations;
}

function heapAfterGc(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe("fuzzing", () => {
  const app = useTestServer();

  test(
    "thousands of random and malformed requests: no 5xx, no internal error, no leak, still serving",
    async () => {
      v8.setFlagsFromString("--expose-gc");
      const gc = vm.runInNewContext("gc") as () => void;
      const random = randomSource(SEED);
      const context = { accessToken: (await signUp(app.url)).accessToken };

      // Three rounds warm the caches (parsed documents, compiled queries, JIT); two more measure growth.
      for (let round = 0; round < 3; round++) expect(await fuzz(app, random, context, REQUESTS_PER_ROUND)).toEqual([]);
      const before = heapAfterGc(gc);
      for (let round = 0; round < 2; round++) expect(await fuzz(app, random, context, REQUESTS_PER_ROUND)).toEqual([]);
      const after = heapAfterGc(gc);
      expect(after - before).toBeLessThan(MAX_HEAP_GROWTH_BYTES);

      const { accessToken, user } = await signUp(app.url);
      const me = await fetch(app.url, {
        method: "POST",
        headers: { ...JSON_TYPE, authorization: `Bearer ${accessToken}` },
        body: JSON.stringify({ query: ME.toString() }),
      });
      expect(((await me.json()) as { data: { me: { id: string } } }).data.me.id).toBe(user.id);
    },
    FUZZ_TEST_TIMEOUT_MS,
  );
});

// The two kinds of input that once reached a library or the database unchecked and came back as
// INTERNAL_SERVER_ERROR: text that is not what it seems, and access tokens whose parts decode but
// are not what a JWT holds. Each case is placed inside an otherwise valid value, so that it gets
// past every other check and goes as deep as it can. Every answer must be a typed error or a
// success, never an internal error, and nothing may be logged at error level.

/** Lone surrogates (JSON's "\ud800" escape lets any client send one), NUL, BOM, bidi and zero-width marks, noncharacters. */
const MALFORMED_TEXT = [
  "\ud800",
  "\udbff",
  "\udc00",
  "\udfff",
  "\udc00\ud800",
  "\u0000",
  "\ufeff",
  "\u202e",
  "\u200f",
  "\u200b",
  "\u2066",
  "\ufffe",
];

/** Bytes that are not UTF-8, sent raw inside a JSON string: overlong "/", an encoded surrogate, a 5-byte form, stray bytes. */
const INVALID_UTF8 = [[0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xff], [0x80]].map((bytes) =>
  Buffer.from(bytes),
);

/** Where a piece of text can go: every string argument of every operation, each in an otherwise valid value. */
interface TextSlot {
  name: string;
  query: string;
  variables(piece: string): Record<string, unknown>;
  /** Operations that need a caller get a fresh account each time (a changed password ends its sessions). */
  needsCaller?: boolean;
}

const TEXT_SLOTS: TextSlot[] = [
  {
    name: "signup email",
    query: SIGNUP.toString(),
    variables: (x) => ({ input: { email: `ada${x}${uniqueEmail()}`, password: PASSWORD, name: "Ada" } }),
  },
  {
    name: "signup email, at its end",
    query: SIGNUP.toString(),
    variables: (x) => ({ input: { email: `${uniqueEmail()}${x}`, password: PASSWORD, name: "Ada" } }),
  },
  {
    name: "signup password",
    query: SIGNUP.toString(),
    variables: (x) => ({ input: { email: uniqueEmail(), password: `${PASSWORD}${x}`, name: "Ada" } }),
  },
  {
    name: "signup name",
    query: SIGNUP.toString(),
    variables: (x) => ({ input: { email: uniqueEmail(), password: PASSWORD, name: `Ada${x}` } }),
  },
  { name: "login email", query: LOGIN.toString(), variables: (x) => ({ input: { email: `${x}${uniqueEmail()}`, password: PASSWORD } }) },
  { name: "login password", query: LOGIN.toString(), variables: (x) => ({ input: { email: uniqueEmail(), password: `${x}${PASSWORD}` } }) },
  {
    name: "refresh token",
    query: REFRESH.toString(),
    variables: (x) => ({ token: `${crypto.randomBytes(32).toString("base64url")}${x}` }),
  },
  {
    name: "current password",
    query: CHANGE_PASSWORD.toString(),
    variables: (x) => ({ input: { currentPassword: `${PASSWORD}${x}`, newPassword: "a brand new passphrase" } }),
    needsCaller: true,
  },
  {
    name: "new password",
    query: CHANGE_PASSWORD.toString(),
    variables: (x) => ({ input: { currentPassword: PASSWORD, newPassword: `a brand new passphrase${x}` } }),
    needsCaller: true,
  },
  { name: "session id", query: REVOKE_SESSION.toString(), variables: (x) => ({ id: `${crypto.randomUUID()}${x}` }), needsCaller: true },
];

/** What a client can put in the headers the server stores or parses (Node reads them as Latin-1). */
const HEADER_VALUES = ["\u009b[31mred", "\u0085next line", "ÿþ", "\ttabbed\t", "x".repeat(8000), "1.2.3.4:80", "::1, x", "' OR 1=1 --"];

/** Every answer that breaks the rules: a 5xx or an internal error. */
function violation(described: string, status: number, text: string): string[] {
  return status >= 500 || text.includes("INTERNAL_SERVER_ERROR") ? [`${described} -> ${status} ${text.slice(0, 300)}`] : [];
}

/** Log lines at error level or above (pino: 50 error, 60 fatal), from line `from` on. */
const errorLines = (logs: CapturedLogs, from = 0) =>
  logs
    .lines()
    .slice(from)
    .filter((line) => Number(line.level) >= 50);

const base64url = (text: string | Buffer) => Buffer.from(text).toString("base64url");
const json = (value: unknown) => base64url(JSON.stringify(value));

/**
 * Tokens whose header decodes but whose parts are not what a JWT holds, and tokens that do not
 * decode at all. `sign` makes a genuine signature, so the payload cases get past the signature
 * check too; `header` carries the server's alg (and kid), `claims` a valid session's claims.
 */
function malformedTokens(header: Record<string, unknown>, claims: Record<string, unknown>, sign: (input: string) => string): string[] {
  const signed = (h: string, p: string) => `${h}.${p}.${sign(`${h}.${p}`)}`;
  // typ "JWT" makes jsonwebtoken's decode parse the payload as JSON, and throw when it is not.
  const headers = [json({ ...header, typ: "JWT" }), json(header)];
  const payloads = ["not json", "{", "[]", "[1,2]", "123", "null", "true", '"a string"', "{}", '{"sub":1,"sid":[],"ver":"0"}'];
  const validClaims = json(claims);
  return [
    ...headers.flatMap((h) => payloads.flatMap((p) => [signed(h, base64url(p)), `${h}.${base64url(p)}.${base64url("not a signature")}`])),
    // Headers that decode to something other than an object, or not at all.
    ...["[]", "123", "null", "true", '"HS256"', "not json", "{"].map((h) => signed(base64url(h), validClaims)),
    // Segments that are not base64url, or too few or too many.
    `${headers[1]!.slice(1)}.${validClaims}.${sign(`${headers[1]}.${validClaims}`)}`,
    `${headers[1]}.${validClaims}`,
    `${headers[1]}.${validClaims}.x.y`,
    `${headers[1]}..x`,
    "..",
    ".",
    "e30",
    // The kid: huge (under and over the token size limit), not a string, odd characters.
    ...["k".repeat(5000), "k".repeat(7000), 42, -1, 1e308, null, true, [], {}, ["kid"], "\u0000", "\ud800"].map((kid) =>
      signed(json({ ...header, kid }), validClaims),
    ),
    // crit names extensions the server would have to understand; it understands none.
    ...[["exp"], [], "b64", null].map((crit) => signed(json({ ...header, crit }), validClaims)),
  ];
}

describe("fuzzing: malformed text in every string argument", () => {
  let app: RunningApp;
  const logs = captureLogs("warn");
  /** Where this test's log lines start. */
  let firstLine = 0;

  beforeEach(() => {
    firstLine = logs.lines().length;
  });
  beforeAll(async () => {
    // Behind one proxy, so that X-Forwarded-For is read (and stored with each session).
    app = await startTestServer({ TRUST_PROXY_HOPS: "1" }, undefined, logs.logger);
  });
  // Each test ends with the server still serving a genuine caller.
  afterEach(async () => {
    const { accessToken, user } = await signUp(app.url);
    expect((await graphql(app.url, ME, undefined, { token: accessToken })).data!.me.id).toBe(user.id);
  });
  afterAll(() => app.stop());

  test("lone surrogates, NUL, BOM, bidi marks: every answer typed, nothing logged as an error", async () => {
    const violations: string[] = [];
    for (const slot of TEXT_SLOTS) {
      for (const piece of MALFORMED_TEXT) {
        const token = slot.needsCaller ? (await signUp(app.url)).accessToken : undefined;
        const response = await graphql(app.url, slot.query, slot.variables(piece), { token });
        violations.push(...violation(`${slot.name} + ${JSON.stringify(piece)}`, response.status, response.text));
      }
    }
    expect(violations).toEqual([]);
    expect(errorLines(logs, firstLine)).toEqual([]);
  });

  test("bytes that are not UTF-8, raw in the body: every answer typed, nothing logged as an error", async () => {
    const violations: string[] = [];
    const marker = "\u0001MARK\u0001";
    for (const slot of TEXT_SLOTS) {
      for (const bytes of INVALID_UTF8) {
        const token = slot.needsCaller ? (await signUp(app.url)).accessToken : undefined;
        const [before, after] = JSON.stringify({ query: slot.query, variables: slot.variables(marker) }).split(
          JSON.stringify(marker).slice(1, -1),
        );
        const headers: Array<[string, string]> = [["content-type", "application/json"]];
        if (token) headers.push(["authorization", `Bearer ${token}`]);
        const response = await rawRequest(app.url, "POST", headers, Buffer.concat([Buffer.from(before!), bytes, Buffer.from(after!)]));
        violations.push(...violation(`${slot.name} + bytes ${bytes.toString("hex")}`, response.status, response.text));
      }
    }
    expect(violations).toEqual([]);
    expect(errorLines(logs, firstLine)).toEqual([]);
  });

  test("odd User-Agent, X-Forwarded-For and Cookie headers on signup, login and refresh: every answer typed, nothing logged as an error", async () => {
    const violations: string[] = [];
    for (const value of HEADER_VALUES) {
      for (const header of ["user-agent", "x-forwarded-for", "cookie"]) {
        const body = JSON.stringify({ query: SIGNUP, variables: { input: { email: uniqueEmail(), password: PASSWORD, name: "Ada" } } });
        const cookie = header === "cookie" ? `refresh_token=${value}` : value;
        const headers: Array<[string, string]> = [
          ["content-type", "application/json"],
          [header, cookie],
        ];
        const signup = await rawRequest(app.url, "POST", headers, body);
        violations.push(...violation(`signup with ${header}: ${JSON.stringify(value.slice(0, 40))}`, signup.status, signup.text));
        const loginBody = JSON.stringify({ query: LOGIN, variables: { input: { email: uniqueEmail(), password: PASSWORD } } });
        const login = await rawRequest(app.url, "POST", headers, loginBody);
        violations.push(...violation(`login with ${header}: ${JSON.stringify(value.slice(0, 40))}`, login.status, login.text));
        const refresh = await rawRequest(app.url, "POST", headers, JSON.stringify({ query: REFRESH }));
        violations.push(...violation(`refresh with ${header}: ${JSON.stringify(value.slice(0, 40))}`, refresh.status, refresh.text));
      }
    }
    expect(violations).toEqual([]);
    expect(errorLines(logs, firstLine)).toEqual([]);
  });
});

/**
 * The well-formed token made the same way is accepted (so each refusal is due to what was changed);
 * every malformed one is TOKEN_INVALID; nothing is logged as an error; the server still serves.
 */
async function expectEveryMalformedTokenRefused(
  app: RunningApp,
  logs: CapturedLogs,
  ...[header, claims, sign]: Parameters<typeof malformedTokens>
): Promise<void> {
  const input = `${json(header)}.${json(claims)}`;
  expect((await graphql(app.url, ME, undefined, { token: `${input}.${sign(input)}` })).data!.me.id).toBe(claims.sub);
  for (const token of malformedTokens(header, claims, sign)) await expectMeRefused(app.url, `Bearer ${token}`);
  expect(errorLines(logs)).toEqual([]);
  // Still serving, and a genuine token still works.
  const { accessToken, user } = await signUp(app.url);
  expect((await graphql(app.url, ME, undefined, { token: accessToken })).data!.me.id).toBe(user.id);
}

const sessionOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { sub: string; sid: string };
const headerOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()) as Record<string, unknown>;

describe("fuzzing: malformed access tokens", () => {
  test("HS256: payloads that are not JSON objects, headers that are not objects, bad base64, odd kids, crit", async () => {
    const logs = captureLogs("warn");
    const app = await startTestServer({}, undefined, logs.logger);
    try {
      const { sub, sid } = sessionOf((await signUp(app.url)).accessToken);
      const sign = (input: string) => crypto.createHmac("sha256", TEST_JWT_SECRET).update(input).digest("base64url");
      await expectEveryMalformedTokenRefused(app, logs, { alg: "HS256", typ: "at+jwt" }, serverClaims(sub, sid), sign);
    } finally {
      await app.stop();
    }
  });

  test.each([
    ["ES256", crypto.generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey, { dsaEncoding: "ieee-p1363" as const }],
    ["RS256", crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey, {}],
  ])("%s: the same tokens, signed with the server's own key and carrying its kid", async (algorithm, privateKey, signOptions) => {
    const logs = captureLogs("warn");
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const app = await startTestServer({ JWT_ALGORITHM: algorithm, JWT_PRIVATE_KEYS: pem }, undefined, logs.logger);
    try {
      const { accessToken } = await signUp(app.url);
      const { sub, sid } = sessionOf(accessToken);
      const sign = (input: string) => crypto.sign("sha256", Buffer.from(input), { key: privateKey, ...signOptions }).toString("base64url");
      const header = { alg: algorithm, typ: "at+jwt", kid: headerOf(accessToken).kid };
      await expectEveryMalformedTokenRefused(app, logs, header, serverClaims(sub, sid), sign);
    } finally {
      await app.stop();
    }
  });
});
