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

export function refreshTokenCookie(token: string, expiresAt: Date, now: number): string {
  const maxAge = Math.max(0, Math.ceil((expiresAt.getTime() - now) / 1000));
  return `${REFRESH_TOKEN_COOKIE}=${token}; Max-Age=${maxAge}; Path=${GRAPHQL_PATH}; HttpOnly; Secure; SameSite=Strict`;
}

export function expiredRefreshTokenCookie(): string {
  return `${REFRESH_TOKEN_COOKIE}=; Max-Age=0; Path=${GRAPHQL_PATH}; HttpOnly; Secure; SameSite=Strict`;
}

/** The refresh token from a Cookie request header, if there is one. */
export function readRefreshTokenCookie(cookieHeader: string | undefined): string | undefined {
  for (const part of cookieHeader?.split(";") ?? []) {
    const [name, ...value] = part.trim().split("=");
    if (name === REFRESH_TOKEN_COOKIE) return value.join("=") || undefined;
  }
  return undefined;
}
