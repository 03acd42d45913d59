/**
 * The cookie that binds an identity-provider sign-in to the browser that started it: set by
 * GET /auth/{id}/start, checked by the callback and by exchangeLoginCode, so that a stolen
 * callback URL or login code is of no use in another browser.
 *
 * HttpOnly and Secure, like the refresh-token cookie. SameSite=Lax, not Strict: the callback is a
 * top-level navigation that the provider's site starts, and Lax cookies go with those (GETs only).
 * Path=/: the callback (/auth/...) and GraphQL (/graphql) both read it. Ten minutes, the time a
 * sign-in may take.
 */
export const LOGIN_BINDING_COOKIE = "login_binding";

export function loginBindingSetCookie(value: string): string {
  return `${LOGIN_BINDING_COOKIE}=${value}; Max-Age=600; Path=/; HttpOnly; Secure; SameSite=Lax`;
}

export function readLoginBindingCookie(cookieHeader: string | undefined): string | undefined {
  for (const part of cookieHeader?.split(";") ?? []) {
    const [name, ...value] = part.trim().split("=");
    if (name === LOGIN_BINDING_COOKIE) return value.join("=") || undefined;
  }
  return undefined;
}
