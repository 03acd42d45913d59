import type { RefreshCookieChange } from "../graphql/context";
import { GRAPHQL_PATH } from "./paths";

/**
 * The refresh-token cookie for browser clients that ask for it (`refreshTokenDelivery: COOKIE`).
 *
 * HttpOnly: page scripts (and so XSS) cannot read it. Secure: never sent over plain HTTP
 * (browsers treat http://localhost as secure, so development works). SameSite=Strict: never sent
 * with a request that another site starts, which, together with Apollo's CSRF prevention (it
 * refuses requests a plain HTML form could make) and CORS, is the CSRF defence. Path=/graphql:
 * sent only to the API, nowhere else on the host.
 */
export const REFRESH_TOKEN_COOKIE = "refresh_token";

const ATTRIBUTES = `Path=${GRAPHQL_PATH}; HttpOnly; Secure; SameSite=Strict`;

/** The Set-Cookie value that carries out what a resolver asked for. */
export function setCookieHeader(change: RefreshCookieChange, now: number): string {
  if (change.kind === "clear") return `${REFRESH_TOKEN_COOKIE}=; Max-Age=0; ${ATTRIBUTES}`;
  const maxAge = Math.max(0, Math.ceil((change.expiresAt.getTime() - now) / 1000));
  return `${REFRESH_TOKEN_COOKIE}=${change.token}; Max-Age=${maxAge}; ${ATTRIBUTES}`;
}

/** The refresh token from a Cookie request header, if there is one. */
export function readRefreshTokenCookie(cookieHeader: string | undefined): string | undefined {
  for (const part of cookieHeader?.split(";") ?? []) {
    const [name, ...value] = part.trim().split("=");
    if (name === REFRESH_TOKEN_COOKIE) return value.join("=") || undefined;
  }
  return undefined;
}
