import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import jwt from "jsonwebtoken";
import type { RunningApp } from "../../src/app";
import { graphql, ME, signUp } from "../support/graphqlClient";
import { startTestServer } from "../support/testServer";
import { expectMeRefused } from "../support/tokenAssertions";

const ISSUER = "graphql-jwt-auth-api";
const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

function privateKeyPem(type: "ec" | "rsa"): string {
  const { privateKey } =
    type === "ec" ? crypto.generateKeyPairSync("ec", { namedCurve: "P-256" }) : crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  return privateKey.export({ type: "pkcs8", format: "pem" }).toString();
}

interface Jwks {
  keys: Array<crypto.JsonWebKey & { kid: string; alg: string; use: string }>;
}

async function jwksOf(app: RunningApp): Promise<Jwks> {
  const response = await fetch(new URL("/.well-known/jwks.json", app.url));
  expect(response.status).toBe(200);
  expect(response.headers.get("cache-control")).toMatch(/max-age=\d+/);
  return (await response.json()) as Jwks;
}

const headerOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()) as Record<string, unknown>;

const expectTokenInvalid = (app: RunningApp, token: string) => expectMeRefused(app.url, `Bearer ${token}`);

describe("ES256 with key rotation and a public JWKS", () => {
  const newKey = privateKeyPem("ec");
  const oldKey = privateKeyPem("ec");
  let oldOnly: RunningApp;
  let rotated: RunningApp;
  let newOnly: RunningApp;

  beforeAll(async () => {
    oldOnly = await startTestServer({ JWT_ALGORITHM: "ES256", JWT_PRIVATE_KEYS: oldKey });
    // Newest first, the way an operator adds a key at a rotation.
    rotated = await startTestServer({ JWT_ALGORITHM: "ES256", JWT_PRIVATE_KEYS: `${newKey}\n${oldKey}` });
    newOnly = await startTestServer({ JWT_ALGORITHM: "ES256", JWT_PRIVATE_KEYS: newKey });
  });
  afterAll(async () => {
    await Promise.all([oldOnly.stop(), rotated.stop(), newOnly.stop()]);
  });

  test("another service verifies a token with the JWKS alone, by its kid", async () => {
    const { accessToken, user } = await signUp(rotated.url);
    const jwks = await jwksOf(rotated);
    expect(jwks.keys).toHaveLength(2);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
      expect(key).not.toHaveProperty("d"); // never the private part
    }
    const header = headerOf(accessToken);
    expect(header).toMatchObject({ alg: "ES256", typ: "at+jwt", kid: jwks.keys[0]!.kid });

    const published = jwks.keys.find((key) => key.kid === header.kid)!;
    const publicKey = crypto.createPublicKey({ key: published, format: "jwk" });
    const claims = jwt.verify(accessToken, publicKey, { algorithms: ["ES256"], issuer: ISSUER, audience: ISSUER }) as jwt.JwtPayload;
    expect(claims.sub).toBe(user.id);
  });

  test("the kid is the RFC 7638 thumbprint of the public key", async () => {
    const [newest] = (await jwksOf(newOnly)).keys;
    const members = JSON.stringify({ crv: newest!.crv, kty: newest!.kty, x: newest!.x, y: newest!.y });
    expect(newest!.kid).toBe(crypto.createHash("sha256").update(members).digest("base64url"));
  });

  test("tokens signed before a rotation keep working until their key is removed", async () => {
    const before = await signUp(oldOnly.url);
    const afterRotation = await graphql(rotated.url, ME, undefined, { token: before.accessToken });
    expect(afterRotation.data!.me.id).toBe(before.user.id);
    await expectTokenInvalid(newOnly, before.accessToken);
  });

  test("HS256 signed with the public key as the HMAC secret (algorithm confusion) is refused", async () => {
    const { accessToken } = await signUp(rotated.url);
    const [, payload] = accessToken.split(".");
    const { kid } = headerOf(accessToken);
    const published = (await jwksOf(rotated)).keys.find((key) => key.kid === kid)!;
    const publicPem = crypto.createPublicKey({ key: published, format: "jwk" }).export({ type: "spki", format: "pem" });
    for (const secret of [publicPem, JSON.stringify(published)]) {
      const input = `${segment({ alg: "HS256", typ: "at+jwt", kid })}.${payload}`;
      const signature = crypto.createHmac("sha256", secret).update(input).digest("base64url");
      await expectTokenInvalid(rotated, `${input}.${signature}`);
    }
  });

  test.each([
    ["no kid", undefined],
    ["a kid pointing nowhere", "no-such-key"],
    ["a kid with a path", "../../../etc/passwd"],
    ["a kid with SQL", 'x\' UNION SELECT * FROM "User" --'],
  ])("%s is refused", async (_name, kid) => {
    const { accessToken, user } = await signUp(rotated.url);
    const [, payload] = accessToken.split(".");
    const key = crypto.createPrivateKey(newKey);
    const input = `${segment({ alg: "ES256", typ: "at+jwt", kid })}.${payload}`;
    const signature = crypto.sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" }).toString("base64url");
    // With the real kid the same hand-made signature passes, so only the kid is to blame.
    const genuine = `${segment({ alg: "ES256", typ: "at+jwt", kid: headerOf(accessToken).kid })}.${payload}`;
    const genuineSignature = crypto.sign("sha256", Buffer.from(genuine), { key, dsaEncoding: "ieee-p1363" }).toString("base64url");
    const me = await graphql(rotated.url, ME, undefined, { token: `${genuine}.${genuineSignature}` });
    expect(me.data!.me).toMatchObject({ id: user.id, email: user.email });
    await expectTokenInvalid(rotated, `${input}.${signature}`);
  });

  test("a correctly signed token with a crit header is refused (RFC 7515 §4.1.11)", async () => {
    const { accessToken } = await signUp(rotated.url);
    const [, payload] = accessToken.split(".");
    const key = crypto.createPrivateKey(newKey);
    const input = `${segment({ alg: "ES256", typ: "at+jwt", kid: headerOf(accessToken).kid, crit: ["exp-v2"], "exp-v2": 1 })}.${payload}`;
    const signature = crypto.sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" }).toString("base64url");
    await expectTokenInvalid(rotated, `${input}.${signature}`);
  });

  test("alg none with a valid kid is refused", async () => {
    const { accessToken } = await signUp(rotated.url);
    const [, payload] = accessToken.split(".");
    await expectTokenInvalid(rotated, `${segment({ alg: "none", typ: "at+jwt", kid: headerOf(accessToken).kid })}.${payload}.`);
  });
});

describe("RS256", () => {
  test("tokens carry the kid of the RSA key, verify with the JWKS, and refuse HS256 confusion", async () => {
    const app = await startTestServer({ JWT_ALGORITHM: "RS256", JWT_PRIVATE_KEYS: privateKeyPem("rsa") });
    try {
      const { accessToken, user } = await signUp(app.url);
      const [published] = (await jwksOf(app)).keys;
      expect(published).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig" });
      expect(published).not.toHaveProperty("d");
      expect(headerOf(accessToken)).toMatchObject({ alg: "RS256", kid: published!.kid });
      const publicKey = crypto.createPublicKey({ key: published!, format: "jwk" });
      expect((jwt.verify(accessToken, publicKey, { algorithms: ["RS256"] }) as jwt.JwtPayload).sub).toBe(user.id);

      const input = `${segment({ alg: "HS256", typ: "at+jwt", kid: published!.kid })}.${accessToken.split(".")[1]}`;
      const pem = publicKey.export({ type: "spki", format: "pem" });
      await expectTokenInvalid(app, `${input}.${crypto.createHmac("sha256", pem).update(input).digest("base64url")}`);
    } finally {
      await app.stop();
    }
  });
});

describe("signing configuration", () => {
  test("JWT_PRIVATE_KEYS may be the path of a PEM file holding the keys, newest first", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "jwt-keys-"));
    const file = path.join(dir, "keys.pem");
    const [newest, older] = [privateKeyPem("ec"), privateKeyPem("ec")];
    fs.writeFileSync(file, `${newest}\n${older}`, { mode: 0o600 });
    const app = await startTestServer({ JWT_ALGORITHM: "ES256", JWT_PRIVATE_KEYS: file });
    try {
      const { keys } = await jwksOf(app);
      expect(keys).toHaveLength(2);
      const { accessToken } = await signUp(app.url);
      expect(headerOf(accessToken).kid).toBe(keys[0]!.kid);
      const newestJwk = crypto.createPublicKey(crypto.createPrivateKey(newest)).export({ format: "jwk" });
      expect(keys[0]!.x).toBe(newestJwk.x);
    } finally {
      await app.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test.each([
    ["an RSA key for ES256", { JWT_ALGORITHM: "ES256", JWT_PRIVATE_KEYS: privateKeyPem("rsa") }, /P-256/],
    ["an EC key for RS256", { JWT_ALGORITHM: "RS256", JWT_PRIVATE_KEYS: privateKeyPem("ec") }, /RSA key/],
    ["ES256 without keys", { JWT_ALGORITHM: "ES256" }, /JWT_PRIVATE_KEYS is required/],
    ["keys with HS256", { JWT_PRIVATE_KEYS: privateKeyPem("ec") }, /only used with/],
    ["an unknown algorithm", { JWT_ALGORITHM: "HS1" }, /JWT_ALGORITHM must be/],
    ["a path that does not exist", { JWT_ALGORITHM: "ES256", JWT_PRIVATE_KEYS: "/nonexistent/keys.pem" }, /readable file/],
  ])("%s stops start-up with a clear message", async (_name, env, message) => {
    await expect(async () => startTestServer(env)).rejects.toThrow(message);
  });
});
