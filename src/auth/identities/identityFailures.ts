/**
 * Why a sign-in through a provider failed: the `#error=<reason>` the callback sends the browser
 * back with (docs/api.md lists them). Never a stack trace, never the provider's own message.
 */
export const IdentityFailure = {
  /** The user declined at the provider. */
  ACCESS_DENIED: "ACCESS_DENIED",
  /** The provider answered the authorization request with another error. */
  PROVIDER_ERROR: "PROVIDER_ERROR",
  /** The provider could not be reached, timed out or answered with a server error. */
  PROVIDER_UNAVAILABLE: "PROVIDER_UNAVAILABLE",
  /**
   * No sign-in was started with this `state` (forged, expired after 10 minutes, or used already), or
   * a link URL that is not valid, used, expired, or voided by a credential event (docs/security.md).
   */
  INVALID_STATE: "INVALID_STATE",
  /** The callback came to another browser than the one that started the sign-in. */
  BROWSER_MISMATCH: "BROWSER_MISMATCH",
  /** The provider's token endpoint refused the code: expired, used already, or the PKCE verifier does not match. */
  CODE_REJECTED: "CODE_REJECTED",
  /** The ID token failed validation: signature, issuer, audience, expiry or nonce. */
  INVALID_ID_TOKEN: "INVALID_ID_TOKEN",
  /** The provider gave no usable email for a new account. */
  EMAIL_MISSING: "EMAIL_MISSING",
  /** An account has this email and the provider may not link to it: sign in the usual way and link from there. */
  ACCOUNT_EXISTS: "ACCOUNT_EXISTS",
  ACCOUNT_DISABLED: "ACCOUNT_DISABLED",
  /** Linking: this identity is linked to another account. */
  IDENTITY_IN_USE: "IDENTITY_IN_USE",
  /** Linking: the account has another identity of this provider; unlink it first. */
  PROVIDER_ALREADY_LINKED: "PROVIDER_ALREADY_LINKED",
  /** Linking: the session that asked for the link has ended (logged out, or ended by an event); sign in and ask again. */
  SESSION_ENDED: "SESSION_ENDED",
} as const;
export type IdentityFailure = (typeof IdentityFailure)[keyof typeof IdentityFailure];

/** A sign-in that ends with `#error=<reason>`. */
export class IdentityFlowError extends Error {
  constructor(
    readonly reason: IdentityFailure,
    cause?: unknown,
  ) {
    super(`identity sign-in failed: ${reason}`, cause === undefined ? undefined : { cause });
  }
}
