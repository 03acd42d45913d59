import type { IncomingMessage, ServerResponse } from "node:http";
import { sendJsonError } from "./jsonResponse";

/**
 * Request headers allowed when a preflight names none, or names them in a form no browser sends:
 * Apollo's CSRF header and the token header among them.
 */
const DEFAULT_ALLOWED_HEADERS = "content-type, authorization, apollo-require-preflight, x-apollo-operation-name";
const ALLOWED_METHODS = "GET, POST, OPTIONS";
/** Browsers cache a preflight answer this long (seconds), saving a round trip per request. */
const PREFLIGHT_MAX_AGE = "600";
/** Longest Access-Control-Request-Headers echoed back; real clients ask for a few dozen bytes. */
const MAX_REQUEST_HEADERS_LENGTH = 1024;
/** A comma-separated list of header names: RFC 9110 tokens, with optional spaces around commas. */
const HEADER_NAME_LIST = /^[!#$%&'*+\-.^_`|~0-9a-z]+(?:[ \t]*,[ \t]*[!#$%&'*+\-.^_`|~0-9a-z]+)*$/i;

/**
 * CORS for browsers: an allowed Origin gets the Access-Control-* headers, any other gets none
 * (the browser then hides the answer from the page). Returns true when the request was a
 * preflight (OPTIONS) and has been answered. Requests without an Origin are not browsers' and pass.
 *
 * An allowed origin's preflight gets back the request headers it asked for (Apollo Client's
 * apollographql-client-name, tracing's traceparent, ...), so client libraries work without a
 * server-side list to keep up to date. Which origins may call is the decision that matters; a
 * page on such an origin could send the same values in the body anyway.
 */
export function applyCors(request: IncomingMessage, response: ServerResponse, allowedOrigins: string[]): boolean {
  const origin = request.headers.origin;
  const allowed = origin !== undefined && isAllowedOrigin(origin, allowedOrigins);
  const preflight = request.method === "OPTIONS" && request.headers["access-control-request-method"] !== undefined;
  // An allowed preflight's answer depends on the headers it asked for, so caches must key on them.
  response.setHeader("vary", preflight && allowed ? "Origin, Access-Control-Request-Headers" : "Origin");
  if (allowed) {
    const anyOrigin = allowedOrigins.includes("*");
    response.setHeader("access-control-allow-origin", anyOrigin ? "*" : origin);
    // Cookies (the refresh-token cookie) only for origins named one by one, never for `*`.
    if (!anyOrigin) response.setHeader("access-control-allow-credentials", "true");
    // So that a browser app can show the id of a failed request to its user.
    response.setHeader("access-control-expose-headers", "x-request-id");
  }
  if (!preflight) return false;
  if (allowed) {
    response.statusCode = 204;
    response.setHeader("access-control-allow-methods", ALLOWED_METHODS);
    response.setHeader("access-control-allow-headers", allowedHeaders(request.headers["access-control-request-headers"]));
    response.setHeader("access-control-max-age", PREFLIGHT_MAX_AGE);
    response.end();
  } else {
    sendJsonError(response, 403, "This origin may not call the API.", { code: "FORBIDDEN" });
  }
  return true;
}

/** The header names a preflight asked for, lower-cased, when they form a short list of tokens; else the defaults. */
function allowedHeaders(requested: string | undefined): string {
  const list = requested?.trim();
  if (!list || list.length > MAX_REQUEST_HEADERS_LENGTH || !HEADER_NAME_LIST.test(list)) return DEFAULT_ALLOWED_HEADERS;
  const names = new Set(list.split(",").map((name) => name.trim().toLowerCase()));
  return [...names].join(", ");
}

/** `*`; an exact origin; or `scheme://host:*`, the host on any port. */
export function isAllowedOrigin(origin: string, allowedOrigins: string[]): boolean {
  const candidate = origin.toLowerCase();
  return allowedOrigins.some((allowed) => {
    if (allowed === "*" || allowed === candidate) return true;
    if (!allowed.endsWith(":*")) return false;
    const base = allowed.slice(0, -2);
    return candidate === base || (candidate.startsWith(`${base}:`) && /^\d+$/.test(candidate.slice(base.length + 1)));
  });
}
