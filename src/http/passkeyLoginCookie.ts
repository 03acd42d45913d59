import type { PasskeyHandleChange } from "../graphql/context";
import { GRAPHQL_PATH } from "./paths";

/**
 * The cookie that binds a passkey login's challenge to the browser that asked for it
 * (src/auth/passkeys/challenges.ts): an opaque handle, live as long as the challenge. Its flags are
 * the refresh-token cookie's (./refreshTokenCookie.ts): page scripts cannot read it, and no other
 * site's request carries it, so an assertion taken from this browser is of no use in another.
 */
export const PASSKEY_LOGIN_COOKIE = "passkey_login";

const ATTRIBUTES = `Path=${GRAPHQL_PATH}; HttpOnly; Secure; SameSite=Strict`;

export function passkeyLoginSetCookie(change: PasskeyHandleChange): string {
  if (change.kind === "clear") return `${PASSKEY_LOGIN_COOKIE}=; Max-Age=0; ${ATTRIBUTES}`;
  return `${PASSKEY_LOGIN_COOKIE}=${change.handle}; Max-Age=${change.maxAgeSeconds}; ${ATTRIBUTES}`;
}

/** The handle from a Cookie request header, if there is one. */
export function readPasskeyLoginCookie(cookieHeader: string | undefined): string | undefined {
  for (const part of cookieHeader?.split(";") ?? []) {
    const [name, ...value] = part.trim().split("=");
    if (name === PASSKEY_LOGIN_COOKIE) return value.join("=") || undefined;
  }
  return undefined;
}
