import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { ConfigError, loadConfig } from "../../src/config";
import { PROJECT_ROOT } from "../../src/projectRoot";

const run = promisify(execFile);

describe("configuration", () => {
  test("the defaults need no variable at all", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      env: "development",
      http: {
        port: 4000,
        landingPage: true,
        introspection: true,
        subscriptions: {
          maxSockets: 10_000,
          maxSocketsPerUser: 20,
          maxSubscriptionsPerSocket: 10,
          maxMessageBytes: 65_536,
          keepAliveSeconds: 30,
          maxQueuedEvents: 100,
        },
      },
      database: { url: undefined, statementTimeoutSeconds: 5, connectTimeoutSeconds: 5 },
      jwt: { secret: undefined, accessTokenTtlSeconds: 15 * 60 },
      sessions: {
        refreshTokenTtlSeconds: 30 * 24 * 3600,
        refreshTokenReuseIntervalSeconds: 10,
        maxSessionsPerUser: 50,
        securityEventRetentionSeconds: 90 * 86400,
      },
      passwords: { bcryptCost: 12, maxQueueWaitSeconds: 10 },
      loginLimits: { maxFailuresPerAccount: 5, maxFailuresPerIp: 30, windowSeconds: 15 * 60, knownAddressTtlSeconds: 90 * 86400 },
      signupLimits: { maxPerIp: 100, windowSeconds: 600 },
      passkeyLoginLimits: { maxPerIp: 100, windowSeconds: 300 },
      mail: { smtpUrl: undefined, from: "GraphQL Auth API <no-reply@localhost>", fileDir: path.resolve(".data", "mail") },
      accountEmails: { appUrl: "http://localhost:4000", requireVerifiedEmail: false, passwordResetTtlSeconds: 3600 },
    });
  });

  test("mail goes under DATA_DIR without SMTP_URL; APP_URL loses its trailing slash", () => {
    const config = loadConfig({
      DATA_DIR: "/srv/api-data",
      APP_URL: "https://app.example.com/account/",
      SMTP_URL: "smtps://u:p@mail.example.com",
    });
    expect(config.mail).toMatchObject({ smtpUrl: "smtps://u:p@mail.example.com", fileDir: "/srv/api-data/mail" });
    expect(config.accountEmails.appUrl).toBe("https://app.example.com/account");
  });

  test("the passkeys' relying party is APP_URL's host and origin, unless WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS say otherwise", () => {
    expect(loadConfig({}).webauthn).toEqual({ rpId: "localhost", origins: ["http://localhost:4000"] });
    expect(loadConfig({ APP_URL: "https://app.example.com/account" }).webauthn).toEqual({
      rpId: "app.example.com",
      origins: ["https://app.example.com"],
    });
    const shared = loadConfig({ WEBAUTHN_RP_ID: "Example.com", WEBAUTHN_ORIGINS: "https://app.example.com, https://example.com:8443" });
    expect(shared.webauthn).toEqual({ rpId: "example.com", origins: ["https://app.example.com", "https://example.com:8443"] });
    // A page on a domain that merely ends in the RP ID is not one of its subdomains.
    expect(() => loadConfig({ WEBAUTHN_RP_ID: "example.com", WEBAUTHN_ORIGINS: "https://badexample.com" })).toThrow(/parent domain/);
  });

  test("production without JWT_SECRET is refused with what to set", () => {
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/JWT_SECRET is required when NODE_ENV=production/);
  });

  test("a JWT_SECRET under 32 bytes is refused", () => {
    expect(() => loadConfig({ NODE_ENV: "production", JWT_SECRET: "x".repeat(31) })).toThrow(/at least 32 bytes/);
    expect(loadConfig({ NODE_ENV: "production", JWT_SECRET: "x".repeat(32) }).http.landingPage).toBe(false);
  });

  test.each([
    ["PORT", "eighty", /PORT must be a whole number/],
    ["ACCESS_TOKEN_TTL", "15 minutes", /ACCESS_TOKEN_TTL must be a duration/],
    ["BCRYPT_COST", "40", /BCRYPT_COST must be a whole number from 4 to 16/],
    ["MAX_SESSIONS_PER_USER", "0", /MAX_SESSIONS_PER_USER must be a whole number from 1 to 1000/],
    ["NODE_ENV", "prod", /NODE_ENV must be development, production or test/],
    ["LANDING_PAGE", "maybe", /LANDING_PAGE must be true or false/],
    ["SMTP_URL", "mail.example.com:25", /SMTP_URL must be a URL like smtp:\/\/user:password@mail.example.com:587/],
    ["SMTP_URL", "http://mail.example.com", /SMTP_URL must be a URL like smtp:\/\/user:password@mail.example.com:587/],
    ["MAIL_FROM", "no address", /MAIL_FROM must be an address like no-reply@example.com/],
    ["APP_URL", "app.example.com", /APP_URL must be an http:\/\/ or https:\/\/ URL without query or fragment/],
    ["APP_URL", "https://app.example.com/?x=1", /APP_URL must be an http:\/\/ or https:\/\/ URL/],
    [
      "WEBAUTHN_ORIGINS",
      "http://app.example.com",
      /WEBAUTHN_ORIGINS must be a comma-separated list of origins .* \(got "http:\/\/app.example.com"\)/,
    ],
    ["WEBAUTHN_ORIGINS", "https://app.example.com/login", /WEBAUTHN_ORIGINS must be a comma-separated list of origins/],
    ["WEBAUTHN_RP_ID", "https://example.com", /WEBAUTHN_RP_ID must be a domain name such as example.com, without scheme or port/],
    [
      "WEBAUTHN_RP_ID",
      "example.com",
      /WEBAUTHN_RP_ID "example.com" must be the host of every WebAuthn origin or a parent domain of it \(origin "http:\/\/localhost:4000"\)/,
    ],
    ["REQUIRE_VERIFIED_EMAIL", "sometimes", /REQUIRE_VERIFIED_EMAIL must be true or false/],
    ["PASSWORD_RESET_TTL", "2d", /PASSWORD_RESET_TTL must be a duration like .* from 300s to 86400s/],
    ["PASSWORD_RESET_MAX_PER_EMAIL", "0", /PASSWORD_RESET_MAX_PER_EMAIL must be a whole number from 1 to 1000/],
    ["SIGNUP_MAX_PER_IP", "0", /SIGNUP_MAX_PER_IP must be a whole number from 1 to 100000/],
    ["SIGNUP_WINDOW", "30s", /SIGNUP_WINDOW must be a duration like .* from 60s to 604800s/],
    ["PASSKEY_LOGIN_MAX_PER_IP", "0", /PASSKEY_LOGIN_MAX_PER_IP must be a whole number from 1 to 100000/],
    ["PASSKEY_LOGIN_WINDOW", "2d", /PASSKEY_LOGIN_WINDOW must be a duration like .* from 60s to 86400s/],
    ["BCRYPT_MAX_QUEUE_WAIT", "0", /BCRYPT_MAX_QUEUE_WAIT must be a duration like .* from 1s to 600s/],
    ["SECURITY_EVENT_RETENTION", "12h", /SECURITY_EVENT_RETENTION must be a duration like .* from 86400s to 315360000s \(got "12h"\)/],
    ["LOGIN_KNOWN_ADDRESS_TTL", "forever", /LOGIN_KNOWN_ADDRESS_TTL must be a duration like .* from 3600s to 315360000s/],
    [
      "DATABASE_STATEMENT_TIMEOUT",
      "0",
      /DATABASE_STATEMENT_TIMEOUT must be a duration like 900, 90s, 15m, 12h or 30d, from 1s to 600s \(got "0"\)/,
    ],
    [
      "DATABASE_CONNECT_TIMEOUT",
      "2m",
      /DATABASE_CONNECT_TIMEOUT must be a duration like 900, 90s, 15m, 12h or 30d, from 1s to 60s \(got "2m"\)/,
    ],
    ["WS_MAX_SOCKETS_PER_USER", "0", /WS_MAX_SOCKETS_PER_USER must be a whole number from 1 to 10000 \(got "0"\)/],
    ["WS_MAX_MESSAGE_BYTES", "64k", /WS_MAX_MESSAGE_BYTES must be a whole number from 1024 to 10000000/],
    ["WS_KEEP_ALIVE", "0", /WS_KEEP_ALIVE must be a duration like 900, 90s, 15m, 12h or 30d, from 1s to 3600s \(got "0"\)/],
  ])("a bad %s says what is wrong", (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  test("SESSION_CLEANUP_PAUSE_FACTOR: 1 unless set, any number from 0 to 100, nothing else", () => {
    expect(loadConfig({}).sessions.cleanupPauseFactor).toBe(1);
    expect(loadConfig({ SESSION_CLEANUP_PAUSE_FACTOR: "0" }).sessions.cleanupPauseFactor).toBe(0);
    expect(loadConfig({ SESSION_CLEANUP_PAUSE_FACTOR: "2.5" }).sessions.cleanupPauseFactor).toBe(2.5);
    for (const bad of ["-1", "101", "half", "1e2", "0x10"]) {
      expect(() => loadConfig({ SESSION_CLEANUP_PAUSE_FACTOR: bad })).toThrow(
        `SESSION_CLEANUP_PAUSE_FACTOR must be a number from 0 to 100, such as 0.5 (got "${bad}").`,
      );
    }
  });

  test("durations accept seconds and units", () => {
    expect(loadConfig({ ACCESS_TOKEN_TTL: "90" }).jwt.accessTokenTtlSeconds).toBe(90);
    expect(loadConfig({ ACCESS_TOKEN_TTL: "5m" }).jwt.accessTokenTtlSeconds).toBe(300);
    expect(loadConfig({ REFRESH_TOKEN_TTL: "7d" }).sessions.refreshTokenTtlSeconds).toBe(7 * 86400);
    expect(loadConfig({ DATABASE_STATEMENT_TIMEOUT: "2m", DATABASE_CONNECT_TIMEOUT: "3" }).database).toMatchObject({
      statementTimeoutSeconds: 120,
      connectTimeoutSeconds: 3,
    });
  });

  test("the server refuses to start in production without a secret, and says why", async () => {
    const started = run(process.execPath, [path.join(PROJECT_ROOT, "node_modules/tsx/dist/cli.mjs"), "src/main.ts"], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH, NODE_ENV: "production", DATABASE_URL: "postgresql://nobody@127.0.0.1:1/none" },
    });
    await expect(started).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("Configuration error: JWT_SECRET is required when NODE_ENV=production"),
    });
  });
});

describe("identity providers (OIDC_PROVIDERS, OIDC_DEV_PROVIDER, PUBLIC_API_URL)", () => {
  const google = { id: "google", name: "Google", issuer: "https://accounts.google.com", clientId: "1234", clientSecret: "s3cret" };
  const load = (env: Record<string, string>) => loadConfig(env).identities;

  test("a provider with defaults: the usual scopes, no trust in its emails for linking", () => {
    expect(load({ OIDC_PROVIDERS: JSON.stringify([google]) }).providers).toEqual([
      { ...google, scopes: ["openid", "email", "profile"], trustEmailForLinking: false },
    ]);
  });

  test("a path to a JSON file, and a client secret read from a file", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oidc-config-"));
    fs.writeFileSync(path.join(dir, "secret"), "from-a-file\n");
    const { clientSecret: _inline, ...rest } = google;
    fs.writeFileSync(path.join(dir, "providers.json"), JSON.stringify([{ ...rest, clientSecretFile: path.join(dir, "secret") }]));
    expect(load({ OIDC_PROVIDERS: path.join(dir, "providers.json") }).providers[0]?.clientSecret).toBe("from-a-file");
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test.each([
    ["not JSON", "[{", /OIDC_PROVIDERS is not valid JSON/],
    ["a file that is not there", "/nowhere/providers.json", /neither a JSON array nor a readable file/],
    ["an object", "{}", /neither a JSON array nor a readable file/],
    ["an unknown key", JSON.stringify([{ ...google, trustEmail: true }]), /OIDC_PROVIDERS\[0\] has an unknown key "trustEmail"/],
    ["an id with capitals", JSON.stringify([{ ...google, id: "Google" }]), /OIDC_PROVIDERS\[0\]\.id must be lower-case/],
    [
      "an http issuer elsewhere",
      JSON.stringify([{ ...google, issuer: "http://accounts.google.com" }]),
      /\(google\)\.issuer must be an https:\/\/ URL/,
    ],
    ["no clientId", JSON.stringify([{ ...google, clientId: "" }]), /OIDC_PROVIDERS\[0\]\.clientId must be a string/],
    ["scopes without openid", JSON.stringify([{ ...google, scopes: ["email"] }]), /\(google\)\.scopes must include "openid"/],
    ["a non-boolean trust", JSON.stringify([{ ...google, trustEmailForLinking: "yes" }]), /trustEmailForLinking must be true or false/],
    ["an id twice", JSON.stringify([google, google]), /lists the id "google" twice/],
  ])("%s is refused with one line", (_what, value, message) => {
    expect(() => loadConfig({ OIDC_PROVIDERS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ OIDC_PROVIDERS: value })).toThrow(message);
  });

  test("the development provider: off by default, refused in production and with several processes", () => {
    expect(load({}).devProvider).toBe(false);
    expect(load({ OIDC_DEV_PROVIDER: "true" }).devProvider).toBe(true);
    expect(() => loadConfig({ NODE_ENV: "production", JWT_SECRET: "x".repeat(48), OIDC_DEV_PROVIDER: "true" })).toThrow(
      /OIDC_DEV_PROVIDER=true is refused with NODE_ENV=production/,
    );
    expect(() => loadConfig({ OIDC_DEV_PROVIDER: "true", WEB_CONCURRENCY: "2" })).toThrow(/needs WEB_CONCURRENCY=1/);
    expect(() => loadConfig({ OIDC_DEV_PROVIDER: "true", OIDC_PROVIDERS: JSON.stringify([{ ...google, id: "dev" }]) })).toThrow(
      /the id "dev" is the development provider's/,
    );
  });

  test("PUBLIC_API_URL is an http(s) URL", () => {
    expect(load({ PUBLIC_API_URL: "https://api.example.com/" }).publicApiUrl).toBe("https://api.example.com");
    expect(() => loadConfig({ PUBLIC_API_URL: "api.example.com" })).toThrow(/PUBLIC_API_URL must be an http/);
  });
});
