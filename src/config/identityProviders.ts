import fs from "node:fs";

/** One OpenID Connect provider of OIDC_PROVIDERS. */
export interface IdentityProviderSettings {
  /** The provider's id in URLs (/auth/{id}/start) and in the API: lower-case letters, digits, - and _. */
  id: string;
  /** What the sign-in button says. */
  name: string;
  /** The issuer; its /.well-known/openid-configuration is read on first use. */
  issuer: string;
  clientId: string;
  /** Undefined: a public client (PKCE only, no client secret). */
  clientSecret: string | undefined;
  scopes: string[];
  /** A new identity whose verified email has an account links to it (docs/security.md). */
  trustEmailForLinking: boolean;
}

export interface IdentitiesConfig {
  providers: IdentityProviderSettings[];
  /** OIDC_DEV_PROVIDER: serve the development provider at /dev-idp, listed as `dev`. */
  devProvider: boolean;
  /** PUBLIC_API_URL: the API as browsers reach it; undefined: http://localhost:<the port it listens on>. */
  publicApiUrl: string | undefined;
}

export const DEV_PROVIDER_ID = "dev";

const ID = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const KEYS = new Set(["id", "name", "issuer", "clientId", "clientSecret", "clientSecretFile", "scopes", "trustEmailForLinking"]);

class ProviderConfigError extends Error {}

type Env = Record<string, string | undefined>;

/**
 * OIDC_PROVIDERS (JSON, or the path of a JSON file: an array of providers), OIDC_DEV_PROVIDER and
 * PUBLIC_API_URL. Throws a one-line message for the first problem; src/config.ts wraps it.
 */
export function identitiesConfig(env: Env, production: boolean, webConcurrency: number): IdentitiesConfig {
  const devProvider = ["1", "true", "yes", "on"].includes(env.OIDC_DEV_PROVIDER?.trim().toLowerCase() ?? "");
  if (devProvider && production) {
    throw new ProviderConfigError("OIDC_DEV_PROVIDER=true is refused with NODE_ENV=production: it signs anyone in as any email.");
  }
  if (devProvider && webConcurrency > 1) {
    throw new ProviderConfigError(
      "OIDC_DEV_PROVIDER=true needs WEB_CONCURRENCY=1: the development provider keeps its state in one process.",
    );
  }
  const providers = parseProviders(env.OIDC_PROVIDERS?.trim() ?? "");
  if (devProvider && providers.some((p) => p.id === DEV_PROVIDER_ID)) {
    throw new ProviderConfigError(
      `OIDC_PROVIDERS: the id "${DEV_PROVIDER_ID}" is the development provider's while OIDC_DEV_PROVIDER=true.`,
    );
  }
  return { providers, devProvider, publicApiUrl: publicApiUrl(env.PUBLIC_API_URL?.trim() ?? "") };
}

export function isProviderConfigError(error: unknown): error is Error {
  return error instanceof ProviderConfigError;
}

function parseProviders(raw: string): IdentityProviderSettings[] {
  if (raw === "") return [];
  let text = raw;
  if (!raw.startsWith("[")) {
    try {
      text = fs.readFileSync(raw, "utf8");
    } catch {
      throw new ProviderConfigError(`OIDC_PROVIDERS is neither a JSON array nor a readable file (got a path "${raw}").`);
    }
  }
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    throw new ProviderConfigError('OIDC_PROVIDERS is not valid JSON: it must be an array of providers like [{"id": "google", ...}].');
  }
  if (!Array.isArray(list)) throw new ProviderConfigError("OIDC_PROVIDERS must be a JSON array of providers.");
  const providers = list.map((entry: unknown, index) => provider(entry, index));
  const ids = providers.map((p) => p.id);
  const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
  if (duplicate !== undefined) throw new ProviderConfigError(`OIDC_PROVIDERS lists the id "${duplicate}" twice.`);
  return providers;
}

function provider(entry: unknown, index: number): IdentityProviderSettings {
  const where = `OIDC_PROVIDERS[${index}]`;
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) throw new ProviderConfigError(`${where} must be an object.`);
  const fields = entry as Record<string, unknown>;
  const unknownKey = Object.keys(fields).find((key) => !KEYS.has(key));
  if (unknownKey !== undefined)
    throw new ProviderConfigError(`${where} has an unknown key "${unknownKey}" (allowed: ${[...KEYS].join(", ")}).`);
  const text = (key: string, max: number): string => {
    const value = fields[key];
    if (typeof value !== "string" || value.trim() === "" || value.length > max) {
      throw new ProviderConfigError(`${where}.${key} must be a string of 1 to ${max} characters.`);
    }
    return value.trim();
  };
  const id = text("id", 32);
  if (!ID.test(id)) throw new ProviderConfigError(`${where}.id must be lower-case letters, digits, - and _ (got "${id}").`);
  const at = `${where} (${id})`;
  const issuer = text("issuer", 500);
  if (!isAllowedIssuer(issuer)) {
    throw new ProviderConfigError(
      `${at}.issuer must be an https:// URL (http:// only for localhost) without query or fragment (got "${issuer}").`,
    );
  }
  return {
    id,
    name: text("name", 60),
    issuer,
    clientId: text("clientId", 500),
    clientSecret: clientSecret(fields, at),
    scopes: scopes(fields.scopes, at),
    trustEmailForLinking: trust(fields.trustEmailForLinking, at),
  };
}

function clientSecret(fields: Record<string, unknown>, at: string): string | undefined {
  const { clientSecret: inline, clientSecretFile: file } = fields;
  if (inline !== undefined && file !== undefined)
    throw new ProviderConfigError(`${at} has both clientSecret and clientSecretFile: keep one.`);
  if (inline !== undefined) {
    if (typeof inline !== "string" || inline === "") throw new ProviderConfigError(`${at}.clientSecret must be a non-empty string.`);
    return inline;
  }
  if (file === undefined) return undefined;
  if (typeof file !== "string") throw new ProviderConfigError(`${at}.clientSecretFile must be the path of a file.`);
  let secret: string;
  try {
    secret = fs.readFileSync(file, "utf8").trim();
  } catch {
    throw new ProviderConfigError(`${at}.clientSecretFile cannot be read (got "${file}").`);
  }
  if (secret === "") throw new ProviderConfigError(`${at}.clientSecretFile is empty (got "${file}").`);
  return secret;
}

function scopes(value: unknown, at: string): string[] {
  if (value === undefined) return ["openid", "email", "profile"];
  if (!Array.isArray(value) || !value.every((scope) => typeof scope === "string" && /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope))) {
    throw new ProviderConfigError(`${at}.scopes must be an array of scope names, like ["openid", "email", "profile"].`);
  }
  const list = value as string[];
  if (!list.includes("openid")) throw new ProviderConfigError(`${at}.scopes must include "openid".`);
  return list;
}

function trust(value: unknown, at: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") throw new ProviderConfigError(`${at}.trustEmailForLinking must be true or false.`);
  return value;
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Plain http only where nobody can listen in between: this machine. */
export function isLoopbackUrl(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname);
}

function isAllowedIssuer(issuer: string): boolean {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return false;
  }
  const secure = url.protocol === "https:" || (url.protocol === "http:" && isLoopbackUrl(url));
  return secure && url.search === "" && url.hash === "";
}

function publicApiUrl(raw: string): string | undefined {
  if (raw === "") return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || url.search !== "" || url.hash !== "") {
    throw new ProviderConfigError(
      `PUBLIC_API_URL must be an http:// or https:// URL without query or fragment, like https://api.example.com (got "${raw}").`,
    );
  }
  return url.href.replace(/\/+$/, "");
}
