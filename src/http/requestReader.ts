import type { IncomingMessage } from "node:http";
import type { BearerCredential } from "../auth/sessions/requestAuthentication";
import type { ClientInfo } from "../auth/sessions/sessionLifecycle";
import type { RequestValues } from "../graphql/context";
import { readRefreshTokenCookie } from "./refreshTokenCookie";

/**
 * The one place that reads what the GraphQL layer needs from a request: the access token, the
 * refresh-token cookie and who is calling. Everything past this point works with plain values.
 */
export function readRequest(request: IncomingMessage, trustProxyHops: number): RequestValues {
  return {
    credential: bearerCredential(request),
    refreshTokenCookie: readRefreshTokenCookie(request.headers.cookie),
    client: clientInfo(request, trustProxyHops),
  };
}

/** RFC 6750's token68 characters, after the scheme and its spaces. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * The token from `Authorization: Bearer <token>`. The scheme name is case-insensitive
 * (RFC 9110 §11.1), so `bearer` works too; any other scheme is unusable. Node keeps only the
 * first of several Authorization headers, but a proxy in front may have used another, so a
 * request with two is ambiguous and unusable too.
 */
function bearerCredential(request: IncomingMessage): BearerCredential {
  const values = request.headersDistinct.authorization;
  if (values === undefined || (values.length === 1 && values[0]!.trim() === "")) return { kind: "none" };
  const match = values.length === 1 ? BEARER.exec(values[0]!) : null;
  return match ? { kind: "bearer", token: match[1]! } : { kind: "unusable" };
}

/**
 * The caller's address and user agent. Behind `trustProxyHops` proxies, the address is the
 * X-Forwarded-For entry that the outermost trusted proxy added; entries further left are
 * written by the client and cannot be trusted.
 */
function clientInfo(request: IncomingMessage, trustProxyHops: number): ClientInfo {
  let ip = request.socket.remoteAddress ?? null;
  const forwarded = request.headers["x-forwarded-for"];
  if (trustProxyHops > 0 && typeof forwarded === "string") {
    const hops = forwarded
      .split(",")
      .map((entry) => entry.trim())
      .filter(Boolean);
    ip = hops[hops.length - trustProxyHops] ?? hops[0] ?? ip;
  }
  return { ip, userAgent: request.headers["user-agent"] ?? null };
}
