import type { IncomingMessage, ServerResponse } from "node:http";
import { sendJsonError } from "./jsonResponse";

/** What a browser may send cross-origin: Apollo's CSRF header and the token header among them. */
const ALLOWED_HEADERS = "content-type, authorization, apollo-require-preflight, x-apollo-operation-name";
const ALLOWED_METHODS = "GET, POST, OPTIONS";
/** Browsers cache a preflight answer this long (seconds), saving a round trip per request. */
const PREFLIGHT_MAX_AGE = "600";

/**
 * CORS for browsers: an allowed Origin gets the Access-Control-* headers, any other gets none
 * (the browser then hides the answer from the page). Returns true when the request was a
 * preflight (OPTIONS) and has been answered. Requests without an Origin are not browsers' and pass.
 */
export function applyCors(request: IncomingMessage, response: ServerResponse, allowedOrigins: string[]): boolean {
  const origin = request.headers.origin;
  const allowed = origin !== undefined && isAllowedOrigin(origin, allowedOrigins);
  response.setHeader("vary", "Origin");
  if (allowed) {
    const anyOrigin = allowedOrigins.includes("*");
    response.setHeader("access-control-allow-origin", anyOrigin ? "*" : origin);
    // Cookies (the refresh-token cookie) only for origins named one by one, never for `*`.
    if (!anyOrigin) response.setHeader("access-control-allow-credentials", "true");
    // So that a browser app can show the id of a failed request to its user.
    response.setHeader("access-control-expose-headers", "x-request-id");
  }
  const preflight = request.method === "OPTIONS" && request.headers["access-control-request-method"] !== undefined;
  if (!preflight) return false;
  if (allowed) {
    response.statusCode = 204;
    response.setHeader("access-control-allow-methods", ALLOWED_METHODS);
    response.setHeader("access-control-allow-headers", ALLOWED_HEADERS);
    response.setHeader("access-control-max-age", PREFLIGHT_MAX_AGE);
    response.end();
  } else {
    sendJsonError(response, 403, "This origin may not call the API.", { code: "FORBIDDEN" });
  }
  return true;
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
