import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { identitiesConfig, isProviderConfigError, type IdentitiesConfig } from "./config/identityProviders";

/**
 * Every environment variable the server reads, parsed and validated once at start-up.
 * docs/configuration.md lists the same variables with the same defaults and ranges; keep the
 * two in step (test/docs checks them).
 */
export interface Config {
  env: "development" | "production" | "test";
  logLevel: string;
  /** API processes to run under node:cluster; 1 runs the server in this process. */
  webConcurrency: number;
  /** On SIGTERM/SIGINT, how long in-flight requests get to finish before their connections are cut. */
  shutdownTimeoutSeconds: number;
  database: DatabaseConfig;
  http: HttpConfig;
  jwt: JwtConfig;
  sessions: SessionConfig;
  passwords: PasswordConfig;
  loginLimits: LoginLimitsConfig;
  signupLimits: SignupLimitsConfig;
  passkeyLoginLimits: PasskeyLoginLimitsConfig;
  authCache: AuthCacheConfig;
  mail: MailConfig;
  accountEmails: AccountEmailsConfig;
  secondFactors: SecondFactorConfig;
  webauthn: WebAuthnConfig;
  /** Sign-in through OpenID Connect providers (src/identityProviderConfig.ts). */
  identities: IdentitiesConfig;
}

export interface DatabaseConfig {
  /** Unset: start the embedded PostgreSQL under `dataDir`. */
  url: string | undefined;
  /** Embedded PostgreSQL data and the development JWT secret live here. */
  dataDir: string;
  poolSize: number;
  /** Apply committed migrations at start-up; turn off when a release step does it. */
  migrateOnStart: boolean;
  /**
   * Longest a query may run. PostgreSQL cancels it then; a server that cannot (frozen, or cut off
   * by the network) is given up on by the client shortly after. Either way the request fails fast.
   */
  statementTimeoutSeconds: number;
  /** Longest a request waits for a pooled connection, or for a new one to be opened. */
  connectTimeoutSeconds: number;
}

export interface HttpConfig {
  port: number;
  host: string;
  /** Largest accepted request body. */
  maxBodyBytes: number;
  /** Proxies in front of the server whose X-Forwarded-For entries are trusted; 0 trusts none. */
  trustProxyHops: number;
  /** Browser origins allowed to call the API (CORS); `*` allows any. */
  corsOrigins: string[];
  /** The explorer on GET /graphql for browsers, Apollo Sandbox on ?sandbox; on by default outside production. */
  landingPage: boolean;
  introspection: boolean;
  /** Largest accepted GraphQL operation, by shape. */
  operationLimits: OperationLimits;
  /** The subscriptions' WebSocket on /graphql (docs/configuration.md#subscriptions). */
  subscriptions: SubscriptionLimits;
}

/** What one process allows the subscriptions' sockets; each refusal says which limit it hit. */
export interface SubscriptionLimits {
  /** Open sockets in this process; one more upgrade gets HTTP 503. */
  maxSockets: number;
  /** Open sockets of one user in this process; one more closes with 4429. */
  maxSocketsPerUser: number;
  /** Open sockets without a token from one address (IPv6: one /64) in this process; one more closes with 4429. */
  maxAnonymousSocketsPerIp: number;
  /** Subscriptions at once on one socket; one more gets an error message. */
  maxSubscriptionsPerSocket: number;
  /** Largest message a client may send (ws maxPayload); a larger one closes the socket with 1009. */
  maxMessageBytes: number;
  /** A ping every this many seconds; a socket that has not answered the last one by the next is dropped. */
  keepAliveSeconds: number;
  /** Events waiting for a client that does not read, per subscription; one more closes the socket with 1013. */
  maxQueuedEvents: number;
}

export interface JwtConfig {
  /** HS256 (the secret below) or ES256/RS256 (the private keys below, newest first). */
  algorithm: JwtAlgorithm;
  /** Unset outside production: a random one is made and kept in `database.dataDir`. */
  secret: string | undefined;
  /** PEM private keys for ES256/RS256, newest first: the first signs, all of them verify. */
  privateKeys: string[];
  issuer: string;
  audience: string;
  accessTokenTtlSeconds: number;
  /** Leeway when checking `exp`, `nbf` and `iat`, for clocks that drift between machines. */
  clockToleranceSeconds: number;
}

export interface SessionConfig {
  refreshTokenTtlSeconds: number;
  /**
   * How long a just-used refresh token still returns the same successor instead of counting as
   * theft, for clients that refresh concurrently (two tabs, a retried request). 0 turns it off.
   */
  refreshTokenReuseIntervalSeconds: number;
  /** How often each process deletes expired and ended sessions. */
  cleanupIntervalSeconds: number;
  /** Rows the cleanup deletes per statement (each its own short transaction). */
  cleanupBatchSize: number;
  /** The cleanup's pause after each batch, as a multiple of how long the batch took; 0: none. */
  cleanupPauseFactor: number;
  /** Live sessions one user may hold; a new one beyond it ends the user's oldest. */
  maxSessionsPerUser: number;
  /** How long a security event is kept; the session cleanup deletes older ones. */
  securityEventRetentionSeconds: number;
}

export interface PasswordConfig {
  bcryptCost: number;
  /** bcrypt hashes computed at once while the event loop has time to spare. */
  bcryptConcurrency: number;
  /** ... and while it is busy (requests wait for the CPU): fewer, so that hashing never takes every core from them. */
  bcryptConcurrencyWhenBusy: number;
  /** Longest a password check or hash may expect to queue; beyond it the request is refused as busy. */
  maxQueueWaitSeconds: number;
}

/**
 * Failed logins allowed within `windowSeconds`: per client address over all accounts; per account
 * from all addresses it has not logged in from; and per account from each address it has.
 */
export interface LoginLimitsConfig {
  maxFailuresPerAccount: number;
  maxFailuresPerIp: number;
  windowSeconds: number;
  /** How long after its last successful login an address still counts as the account's own. */
  knownAddressTtlSeconds: number;
}

/** Signups allowed per client address within `windowSeconds`. */
export interface SignupLimitsConfig {
  maxPerIp: number;
  windowSeconds: number;
}

/** Passkey sign-ins started (startPasskeyLogin) per client address within `windowSeconds`. */
export interface PasskeyLoginLimitsConfig {
  maxPerIp: number;
  windowSeconds: number;
}

/** The auth cache: sessions, users and verified access tokens each process keeps in memory. */
export interface AuthCacheConfig {
  /** 0 turns the cache off. */
  maxEntries: number;
  /** Longest a cached session or user is trusted, as a safety net behind the database's notifications. */
  ttlSeconds: number;
}

/** How mail leaves the server. */
export interface MailConfig {
  /** smtp:// or smtps:// URL of the mail server; unset: each message is written as an .eml file under `fileDir`. */
  smtpUrl: string | undefined;
  /** The From header of every message. */
  from: string;
  /** DATA_DIR/mail: where messages go without an SMTP server. */
  fileDir: string;
}

/** The account flows that mail a link: email verification, password reset, email change. */
export interface AccountEmailsConfig {
  /** The web app that opens the links (no trailing slash): `<appUrl>/verify-email?token=...`. */
  appUrl: string;
  /** Refuse logins (FORBIDDEN, EMAIL_NOT_VERIFIED) until the account's email is verified. */
  requireVerifiedEmail: boolean;
  verificationTtlSeconds: number;
  passwordResetTtlSeconds: number;
  emailChangeTtlSeconds: number;
  /** Password reset requests per email address and per client address within `passwordResetWindowSeconds`. */
  passwordResetMaxPerEmail: number;
  passwordResetMaxPerIp: number;
  passwordResetWindowSeconds: number;
  /** Verification and email-change mails one signed-in user may ask for within `userMailWindowSeconds`. */
  userMailMax: number;
  userMailWindowSeconds: number;
}

/** Second factors (TOTP) and what the rules ask of sessions (docs/api.md, "Second factor"). */
export interface SecondFactorConfig {
  /** The name authenticator apps show next to the account. */
  totpIssuer: string;
  /** How long a verified second factor counts as recent for the operations that need one. */
  recentMaxAgeSeconds: number;
  /** Admins act as admins only from a session that verified a second factor. */
  requireForAdmins: boolean;
}

/** The WebAuthn relying party of passkeys: by default APP_URL's host, and APP_URL's origin as the one page that may use them. */
export interface WebAuthnConfig {
  /** The domain passkeys are bound to (WEBAUTHN_RP_ID): every origin's host is it or a subdomain of it. */
  rpId: string;
  /** Browser origins whose pages may create and use passkeys (WEBAUTHN_ORIGINS). */
  origins: string[];
}

export type JwtAlgorithm = "HS256" | "ES256" | "RS256";

export interface OperationLimits {
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  maxTokens: number;
  maxCost: number;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

export const MIN_JWT_SECRET_BYTES = 32;

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = parseNodeEnv(env.NODE_ENV);
  const production = nodeEnv === "production";
  const jwtSecret = nonEmpty(env.JWT_SECRET);
  const jwtAlgorithm = parseJwtAlgorithm(env.JWT_ALGORITHM);
  const jwtPrivateKeys = privateKeys(env.JWT_PRIVATE_KEYS, jwtAlgorithm);
  if (production && jwtSecret === undefined) {
    throw new ConfigError(
      `JWT_SECRET is required when NODE_ENV=production: set it to a random string of at least ${MIN_JWT_SECRET_BYTES} bytes, for example the output of \`openssl rand -base64 48\`.`,
    );
  }
  if (jwtSecret !== undefined && Buffer.byteLength(jwtSecret, "utf8") < MIN_JWT_SECRET_BYTES) {
    throw new ConfigError(`JWT_SECRET is too short: it must be at least ${MIN_JWT_SECRET_BYTES} bytes (try \`openssl rand -base64 48\`).`);
  }
  const dataDir = path.resolve(nonEmpty(env.DATA_DIR) ?? ".data");
  const webConcurrency = integer(env, "WEB_CONCURRENCY", 1, 1, 64);
  return {
    env: nodeEnv,
    logLevel: logLevel(env.LOG_LEVEL, nodeEnv),
    webConcurrency,
    shutdownTimeoutSeconds: duration(env, "SHUTDOWN_TIMEOUT", "10s", 0, 3600),
    database: {
      url: nonEmpty(env.DATABASE_URL),
      dataDir,
      poolSize: integer(env, "DATABASE_POOL_SIZE", 10, 1, 200),
      migrateOnStart: boolean(env, "MIGRATE_ON_START", true),
      statementTimeoutSeconds: duration(env, "DATABASE_STATEMENT_TIMEOUT", "5s", 1, 600),
      connectTimeoutSeconds: duration(env, "DATABASE_CONNECT_TIMEOUT", "5s", 1, 60),
    },
    http: {
      port: integer(env, "PORT", 4000, 0, 65535),
      host: nonEmpty(env.HOST) ?? "0.0.0.0",
      maxBodyBytes: integer(env, "MAX_BODY_BYTES", 100_000, 1_000, 10_000_000),
      trustProxyHops: integer(env, "TRUST_PROXY_HOPS", 0, 0, 10),
      corsOrigins: origins(env.CORS_ORIGINS, production),
      landingPage: boolean(env, "LANDING_PAGE", !production),
      introspection: boolean(env, "INTROSPECTION", !production),
      operationLimits: {
        maxDepth: integer(env, "GRAPHQL_MAX_DEPTH", 8, 1, 100),
        maxAliases: integer(env, "GRAPHQL_MAX_ALIASES", 15, 0, 1000),
        maxDirectives: integer(env, "GRAPHQL_MAX_DIRECTIVES", 10, 0, 1000),
        maxTokens: integer(env, "GRAPHQL_MAX_TOKENS", 1000, 50, 100_000),
        maxCost: integer(env, "GRAPHQL_MAX_COST", 10_000, 10, 1_000_000),
      },
      subscriptions: {
        maxSockets: integer(env, "WS_MAX_SOCKETS", 10_000, 1, 1_000_000),
        maxSocketsPerUser: integer(env, "WS_MAX_SOCKETS_PER_USER", 20, 1, 10_000),
        maxAnonymousSocketsPerIp: integer(env, "WS_MAX_ANONYMOUS_SOCKETS_PER_IP", 20, 1, 10_000),
        maxSubscriptionsPerSocket: integer(env, "WS_MAX_SUBSCRIPTIONS_PER_SOCKET", 10, 1, 1_000),
        maxMessageBytes: integer(env, "WS_MAX_MESSAGE_BYTES", 65_536, 1_024, 10_000_000),
        keepAliveSeconds: duration(env, "WS_KEEP_ALIVE", "30s", 1, 3600),
        maxQueuedEvents: integer(env, "WS_MAX_QUEUED_EVENTS", 100, 1, 100_000),
      },
    },
    jwt: {
      algorithm: jwtAlgorithm,
      secret: jwtSecret,
      privateKeys: jwtPrivateKeys,
      issuer: nonEmpty(env.JWT_ISSUER) ?? "graphql-jwt-auth-api",
      audience: nonEmpty(env.JWT_AUDIENCE) ?? "graphql-jwt-auth-api",
      accessTokenTtlSeconds: duration(env, "ACCESS_TOKEN_TTL", "15m", 10, 24 * 3600),
      clockToleranceSeconds: duration(env, "JWT_CLOCK_TOLERANCE", "5s", 0, 300),
    },
    sessions: {
      refreshTokenTtlSeconds: duration(env, "REFRESH_TOKEN_TTL", "30d", 60, 365 * 24 * 3600),
      refreshTokenReuseIntervalSeconds: duration(env, "REFRESH_TOKEN_REUSE_INTERVAL", "10s", 0, 300),
      cleanupIntervalSeconds: duration(env, "SESSION_CLEANUP_INTERVAL", "1h", 10, 7 * 24 * 3600),
      cleanupBatchSize: integer(env, "SESSION_CLEANUP_BATCH_SIZE", 1000, 1, 100_000),
      cleanupPauseFactor: decimal(env, "SESSION_CLEANUP_PAUSE_FACTOR", 1, 0, 100),
      maxSessionsPerUser: integer(env, "MAX_SESSIONS_PER_USER", 50, 1, 1000),
      securityEventRetentionSeconds: duration(env, "SECURITY_EVENT_RETENTION", "90d", 24 * 3600, 3650 * 24 * 3600),
    },
    passwords: {
      bcryptCost: integer(env, "BCRYPT_COST", 12, 4, 16),
      // Every core, up to the threads of libuv's pool (4 unless UV_THREADPOOL_SIZE says otherwise), where hashes run.
      bcryptConcurrency: integer(
        env,
        "BCRYPT_CONCURRENCY",
        Math.min(os.availableParallelism(), Number(env.UV_THREADPOOL_SIZE) || 4),
        1,
        64,
      ),
      bcryptConcurrencyWhenBusy: integer(env, "BCRYPT_CONCURRENCY_WHEN_BUSY", Math.max(1, os.availableParallelism() - 1), 1, 64),
      maxQueueWaitSeconds: duration(env, "BCRYPT_MAX_QUEUE_WAIT", "10s", 1, 600),
    },
    loginLimits: {
      maxFailuresPerAccount: integer(env, "LOGIN_MAX_FAILURES_PER_ACCOUNT", 5, 1, 1000),
      maxFailuresPerIp: integer(env, "LOGIN_MAX_FAILURES_PER_IP", 30, 1, 100_000),
      windowSeconds: duration(env, "LOGIN_FAILURE_WINDOW", "15m", 1, 24 * 3600),
      knownAddressTtlSeconds: duration(env, "LOGIN_KNOWN_ADDRESS_TTL", "90d", 3600, 3650 * 24 * 3600),
    },
    signupLimits: {
      // A limit on bursts: a whole office behind one NAT, or a local end-to-end suite, stays under it.
      maxPerIp: integer(env, "SIGNUP_MAX_PER_IP", 100, 1, 100_000),
      windowSeconds: duration(env, "SIGNUP_WINDOW", "10m", 60, 7 * 24 * 3600),
    },
    passkeyLoginLimits: {
      // A window as long as a challenge lives: the limit also bounds the challenge rows one address keeps alive.
      maxPerIp: integer(env, "PASSKEY_LOGIN_MAX_PER_IP", 100, 1, 100_000),
      windowSeconds: duration(env, "PASSKEY_LOGIN_WINDOW", "5m", 60, 24 * 3600),
    },
    authCache: {
      maxEntries: integer(env, "AUTH_CACHE_MAX_ENTRIES", 10_000, 0, 10_000_000),
      ttlSeconds: duration(env, "AUTH_CACHE_TTL", "60s", 1, 24 * 3600),
    },
    mail: {
      smtpUrl: smtpUrl(env.SMTP_URL),
      from: mailFrom(env.MAIL_FROM),
      fileDir: path.join(dataDir, "mail"),
    },
    accountEmails: {
      appUrl: appUrl(env.APP_URL),
      requireVerifiedEmail: boolean(env, "REQUIRE_VERIFIED_EMAIL", false),
      verificationTtlSeconds: duration(env, "EMAIL_VERIFICATION_TTL", "24h", 600, 30 * 24 * 3600),
      passwordResetTtlSeconds: duration(env, "PASSWORD_RESET_TTL", "1h", 300, 24 * 3600),
      emailChangeTtlSeconds: duration(env, "EMAIL_CHANGE_TTL", "24h", 600, 7 * 24 * 3600),
      passwordResetMaxPerEmail: integer(env, "PASSWORD_RESET_MAX_PER_EMAIL", 3, 1, 1000),
      passwordResetMaxPerIp: integer(env, "PASSWORD_RESET_MAX_PER_IP", 20, 1, 100_000),
      passwordResetWindowSeconds: duration(env, "PASSWORD_RESET_WINDOW", "1h", 60, 24 * 3600),
      userMailMax: integer(env, "ACCOUNT_MAIL_MAX_PER_USER", 5, 1, 1000),
      userMailWindowSeconds: duration(env, "ACCOUNT_MAIL_WINDOW", "1h", 60, 24 * 3600),
    },
    secondFactors: {
      totpIssuer: totpIssuer(env.TOTP_ISSUER),
      recentMaxAgeSeconds: duration(env, "RECENT_SECOND_FACTOR_MAX_AGE", "10m", 60, 24 * 3600),
      requireForAdmins: boolean(env, "REQUIRE_ADMIN_SECOND_FACTOR", false),
    },
    webauthn: webauthn(env, appUrl(env.APP_URL)),
    identities: identities(env, production, webConcurrency),
  };
}

/**
 * The relying party: APP_URL's host and origin unless WEBAUTHN_RP_ID / WEBAUTHN_ORIGINS say
 * otherwise. Browsers let a page use passkeys of an RP ID only when the RP ID is the page's host
 * or a parent domain of it, and only in a secure context (https, or http on localhost), so a
 * setting that no browser would accept stops the server here instead of failing every ceremony.
 */
function webauthn(env: Env, app: string): WebAuthnConfig {
  const rawOrigins = nonEmpty(env.WEBAUTHN_ORIGINS);
  const origins = rawOrigins === undefined ? [new URL(app).origin] : rawOrigins.split(",").map((entry) => webauthnOrigin(entry.trim()));
  const rawRpId = nonEmpty(env.WEBAUTHN_RP_ID);
  const rpId = rawRpId?.toLowerCase() ?? new URL(origins[0]!).hostname;
  if (rawRpId !== undefined && !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(rpId)) {
    throw new ConfigError(`WEBAUTHN_RP_ID must be a domain name such as example.com, without scheme or port (got "${rawRpId}").`);
  }
  for (const origin of origins) {
    const host = new URL(origin).hostname;
    if (host !== rpId && !host.endsWith(`.${rpId}`)) {
      throw new ConfigError(
        `WEBAUTHN_RP_ID "${rpId}" must be the host of every WebAuthn origin or a parent domain of it (origin "${origin}").`,
      );
    }
  }
  return { rpId, origins };
}

/** https://host[:port], or http:// on localhost: the secure contexts where browsers offer WebAuthn. */
function webauthnOrigin(entry: string): string {
  let url: URL | undefined;
  try {
    url = new URL(entry);
  } catch {
    url = undefined;
  }
  const local = url !== undefined && (url.hostname === "localhost" || url.hostname.endsWith(".localhost"));
  if (
    !url ||
    !(url.protocol === "https:" || (url.protocol === "http:" && local)) ||
    url.origin !== entry.replace(/\/$/, "").toLowerCase()
  ) {
    throw new ConfigError(
      `WEBAUTHN_ORIGINS must be a comma-separated list of origins like https://app.example.com (http only for localhost) (got "${entry}").`,
    );
  }
  return url.origin;
}

function identities(env: Env, production: boolean, webConcurrency: number): IdentitiesConfig {
  try {
    return identitiesConfig(env, production, webConcurrency);
  } catch (error) {
    throw isProviderConfigError(error) ? new ConfigError(error.message) : error;
  }
}

/** smtp://user:password@host:port or smtps://... (TLS from the first byte); unset: mail goes to files. */
function smtpUrl(value: string | undefined): string | undefined {
  const raw = nonEmpty(value);
  if (raw === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "smtp:" && url.protocol !== "smtps:") || url.hostname === "") {
    // Not echoed: the value may hold the mail server's password.
    throw new ConfigError("SMTP_URL must be a URL like smtp://user:password@mail.example.com:587 or smtps://mail.example.com:465.");
  }
  return raw;
}

/** `no-reply@example.com` or `Example <no-reply@example.com>`: one address, on one line. */
function mailFrom(value: string | undefined): string {
  const from = nonEmpty(value) ?? "GraphQL Auth API <no-reply@localhost>";
  if (!/^([^<>\r\n]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/.test(from)) {
    throw new ConfigError(`MAIL_FROM must be an address like no-reply@example.com or "Example <no-reply@example.com>" (got "${from}").`);
  }
  return from;
}

/** Shown by authenticator apps; a colon would end it early in the Key URI's label. */
function totpIssuer(value: string | undefined): string {
  const issuer = nonEmpty(value) ?? "GraphQL Auth API";
  if (issuer.includes(":") || [...issuer].length > 60) {
    throw new ConfigError(`TOTP_ISSUER must be at most 60 characters without a colon (got "${issuer}").`);
  }
  return issuer;
}

/** The base URL of the links in mail: http(s), no query or fragment; a trailing slash is dropped. */
function appUrl(value: string | undefined): string {
  const raw = nonEmpty(value) ?? "http://localhost:4000";
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || url.search !== "" || url.hash !== "") {
    throw new ConfigError(
      `APP_URL must be an http:// or https:// URL without query or fragment, like https://app.example.com (got "${raw}").`,
    );
  }
  return url.href.replace(/\/+$/, "");
}

function parseJwtAlgorithm(value: string | undefined): JwtAlgorithm {
  const v = nonEmpty(value)?.toUpperCase() ?? "HS256";
  if (v === "HS256" || v === "ES256" || v === "RS256") return v;
  throw new ConfigError(`JWT_ALGORITHM must be HS256, ES256 or RS256 (got "${v}").`);
}

/** PEM private keys, given inline or as the path of a file that holds them. */
function privateKeys(value: string | undefined, algorithm: JwtAlgorithm): string[] {
  const raw = nonEmpty(value);
  if (algorithm === "HS256") {
    if (raw !== undefined) throw new ConfigError("JWT_PRIVATE_KEYS is only used with JWT_ALGORITHM=ES256 or RS256.");
    return [];
  }
  if (raw === undefined) {
    throw new ConfigError(
      `JWT_PRIVATE_KEYS is required with JWT_ALGORITHM=${algorithm}: PEM private keys, newest first, or the path of a file holding them.`,
    );
  }
  let text = raw;
  if (!raw.includes("-----BEGIN")) {
    try {
      text = fs.readFileSync(raw, "utf8");
    } catch {
      throw new ConfigError(`JWT_PRIVATE_KEYS is neither PEM text nor a readable file (got a path "${raw}").`);
    }
  }
  const blocks = text.match(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----/g) ?? [];
  if (blocks.length === 0) throw new ConfigError("JWT_PRIVATE_KEYS holds no PEM private key (-----BEGIN PRIVATE KEY-----).");
  return blocks;
}

/** `*`, or a comma-separated list of origins such as `https://app.example.com`; a port `:*` is any port. */
function origins(value: string | undefined, production: boolean): string[] {
  const raw = nonEmpty(value);
  // Development: any page served from this machine; production: no browser origin until configured.
  if (raw === undefined) return production ? [] : ["http://localhost:*", "http://127.0.0.1:*"];
  const list = raw
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const origin of list) {
    if (origin !== "*" && !/^https?:\/\/[^/\s:]+(:(\d+|\*))?$/i.test(origin)) {
      throw new ConfigError(`CORS_ORIGINS must be * or a comma-separated list like https://app.example.com (got "${origin}").`);
    }
  }
  return list.map((origin) => origin.toLowerCase());
}

function parseNodeEnv(value: string | undefined): Config["env"] {
  const v = nonEmpty(value) ?? "development";
  if (v === "development" || v === "production" || v === "test") return v;
  throw new ConfigError(`NODE_ENV must be development, production or test (got "${v}").`);
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

function logLevel(value: string | undefined, nodeEnv: Config["env"]): string {
  const level = nonEmpty(value)?.toLowerCase() ?? (nodeEnv === "test" ? "silent" : "info");
  if (!LOG_LEVELS.includes(level)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")} (got "${level}").`);
  return level;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${raw}").`);
  }
  return n;
}

function decimal(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  const n = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= min && n <= max)) throw new ConfigError(`${name} must be a number from ${min} to ${max}, such as 0.5 (got "${raw}").`);
  return n;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = nonEmpty(env[name])?.toLowerCase();
  if (raw === undefined) return fallback;
  if (["1", "true", "yes", "on"].includes(raw)) return true;
  if (["0", "false", "no", "off"].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false (got "${raw}").`);
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** A duration such as `900`, `90s`, `15m`, `12h` or `30d`, in whole seconds. */
function duration(env: Env, name: string, fallback: string, min: number, max: number): number {
  const raw = nonEmpty(env[name]) ?? fallback;
  const match = /^(\d+)\s*([smhd]?)$/.exec(raw);
  const seconds = match ? Number(match[1]) * (UNIT_SECONDS[match[2] || "s"] ?? 1) : NaN;
  if (!(seconds >= min && seconds <= max)) {
    throw new ConfigError(`${name} must be a duration like 900, 90s, 15m, 12h or 30d, from ${min}s to ${max}s (got "${raw}").`);
  }
  return seconds;
}
