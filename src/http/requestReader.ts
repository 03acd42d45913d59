import type { IncomingMessage } from "node:http";
import net from "node:net";
import type { BearerCredential, ClientInfo } from "../auth/types";
import type { RequestValues } from "../graphql/context";
import { readPasskeyLoginCookie } from "./passkeyLoginCookie";
import { readLoginBindingCookie } from "./loginBindingCookie";
import { readRefreshTokenCookie } from "./refreshTokenCookie";

/**
 * The one place that reads what the GraphQL layer needs from a request: the access token, the
 * refresh-token cookie and who is calling. Everything past this point works with plain values.
 */
export function readRequest(request: IncomingMessage, trustProxyHops: number): RequestValues {
  return {
    credential: bearerCredential(request.headersDistinct.authorization),
    refreshCookieIn: readRefreshTokenCookie(request.headers.cookie),
    passkeyHandleIn: readPasskeyLoginCookie(request.headers.cookie),
    loginBindingIn: readLoginBindingCookie(request.headers.cookie),
    client: readClientInfo(request, trustProxyHops),
  };
}

/**
 * The same for a subscriptions' socket: its token is `connectionParams.authorization`, read by
 * the same rule as the header (a value that is not a string is unusable), and its caller is the
 * upgrade request's (`client`, read with readClientInfo). Cookies are not read: a socket neither
 * refreshes nor signs in.
 */
export function socketRequestValues(client: ClientInfo, authorization: unknown): RequestValues {
  const credential: BearerCredential =
    typeof authorization === "string" ? bearerCredential([authorization]) : { kind: authorization === undefined ? "none" : "unusable" };
  return { credential, refreshCookieIn: undefined, passkeyHandleIn: undefined, loginBindingIn: undefined, client };
}

/** RFC 6750's token68 characters, after the scheme and its spaces. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * The token from `Authorization: Bearer <token>`. The scheme name is case-insensitive
 * (RFC 9110 §11.1), so `bearer` works too; any other scheme is unusable. Node keeps only the
 * first of several Authorization headers, but a proxy in front may have used another, so a
 * request with two is ambiguous and unusable too.
 */
function bearerCredential(values: string[] | undefined): BearerCredential {
  if (values === undefined || (values.length === 1 && values[0]!.trim() === "")) return { kind: "none" };
  const match = values.length === 1 ? BEARER.exec(values[0]!) : null;
  return match ? { kind: "bearer", token: match[1]! } : { kind: "unusable" };
}

/** Who is calling: the address (see clientAddress) and the User-Agent header, made safe to store and show. */
export function readClientInfo(request: IncomingMessage, trustProxyHops: number): ClientInfo {
  return { ip: clientAddress(request, trustProxyHops), userAgent: printableUserAgent(request.headers["user-agent"]) };
}

/**
 * Behind `trustProxyHops` proxies, the address is the X-Forwarded-For entry that the outermost
 * trusted proxy added; entries further left are written by the client and cannot be trusted.
 * Only an IP address is taken from the header: anything else there (junk, a port, kilobytes of
 * text) would be stored with the session and used as the login limiter's key, whose column holds
 * 255 characters, so the request would fail. The peer's address stands in for it.
 */
function clientAddress(request: IncomingMessage, trustProxyHops: number): string | null {
  const peer = request.socket.remoteAddress ?? null;
  const forwarded = request.headers["x-forwarded-for"];
  if (trustProxyHops === 0 || typeof forwarded !== "string") return peer;
  const hops = forwarded
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  const candidate = hops[hops.length - trustProxyHops] ?? hops[0];
  // net.isIP accepts an IPv6 zone ("fe80::1%eth0") of any length; no proxy writes one.
  return candidate !== undefined && net.isIP(candidate) !== 0 && !candidate.includes("%") ? candidate : peer;
}

/** Longest User-Agent kept, in characters (code points); real ones are under 300. */
const USER_AGENT_MAX_CHARACTERS = 512;

/**
 * The User-Agent as users will read it in `mySessions`. Node reads header bytes as Latin-1; clients
 * that send anything but ASCII send UTF-8, so the bytes are read again as UTF-8 (a byte sequence
 * that is not UTF-8 becomes U+FFFD, never a lone surrogate). Node refuses NUL and most control
 * characters in headers, but C1 controls (such as U+009B, a terminal escape) and tabs get
 * through: each run of control characters becomes one space. Cut by code points, so that no
 * surrogate pair is split (PostgreSQL, through Prisma, refuses a lone surrogate).
 */
function printableUserAgent(header: string | undefined): string | null {
  if (header === undefined) return null;
  const printable = Buffer.from(header, "latin1")
    .toString("utf8")
    .replace(/\p{Cc}+/gu, " ")
    .trim();
  return printable ? [...printable].slice(0, USER_AGENT_MAX_CHARACTERS).join("") : null;
}
