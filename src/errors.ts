/**
 * Every error a client can see, in one place. Services throw these; src/graphql/errorFormatting.ts
 * is the single mapping to GraphQL `extensions`. docs/api.md mirrors these lists.
 */
export const ErrorCode = {
  UNAUTHENTICATED: "UNAUTHENTICATED",
  FORBIDDEN: "FORBIDDEN",
  BAD_USER_INPUT: "BAD_USER_INPUT",
  /** The request itself cannot be served: bad JSON, too large, an operation type the API lacks. */
  BAD_REQUEST: "BAD_REQUEST",
  TOO_MANY_REQUESTS: "TOO_MANY_REQUESTS",
  SERVICE_UNAVAILABLE: "SERVICE_UNAVAILABLE",
  INTERNAL_SERVER_ERROR: "INTERNAL_SERVER_ERROR",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** `extensions.reason` of UNAUTHENTICATED errors: tells a client what to do next. */
export const AuthFailure = {
  /** No Authorization header: log in. */
  NOT_AUTHENTICATED: "NOT_AUTHENTICATED",
  /** The access token has expired: refresh it (or log in). */
  TOKEN_EXPIRED: "TOKEN_EXPIRED",
  /** The access token is malformed, forged, or not ours: log in. */
  TOKEN_INVALID: "TOKEN_INVALID",
  /** The session behind the token was ended (logout, password change) or the user is gone: log in. */
  SESSION_ENDED: "SESSION_ENDED",
  /** Wrong email or password (the two are indistinguishable on purpose). */
  INVALID_CREDENTIALS: "INVALID_CREDENTIALS",
  /** The refresh token is missing, unknown, or its session has ended: log in. */
  REFRESH_TOKEN_INVALID: "REFRESH_TOKEN_INVALID",
  /** The refresh token has expired: log in. */
  REFRESH_TOKEN_EXPIRED: "REFRESH_TOKEN_EXPIRED",
  /** An already used refresh token came back: treated as theft, the whole session was ended. */
  REFRESH_TOKEN_REUSED: "REFRESH_TOKEN_REUSED",
  /** No passkey of this credential ID (deleted, never registered here) for the account asked about. */
  PASSKEY_UNKNOWN: "PASSKEY_UNKNOWN",
  /** The passkey's signature or flags did not verify: nothing was signed in. */
  PASSKEY_REFUSED: "PASSKEY_REFUSED",
  /** The passkey's signature counter went backwards: it may have been copied, so it was refused (and recorded). */
  PASSKEY_COUNTER_REGRESSED: "PASSKEY_COUNTER_REGRESSED",
} as const;
export type AuthFailure = (typeof AuthFailure)[keyof typeof AuthFailure];

/** `extensions.reason` of FORBIDDEN errors: the caller is known, and may not do this. */
export const ForbiddenReason = {
  /** The field is for admins only (`@auth(requires: ADMIN)` in schema.graphql). */
  ADMIN_ONLY: "ADMIN_ONLY",
  /** The field is for the owner of the object and admins (`@auth(requires: OWNER_OR_ADMIN)`), e.g. another user's email. */
  NOT_OWNER: "NOT_OWNER",
  /** An admin has disabled the account: it cannot log in, refresh or use a token until enabled again. */
  ACCOUNT_DISABLED: "ACCOUNT_DISABLED",
  /** REQUIRE_VERIFIED_EMAIL is on and the account's email is not verified yet: a new link was mailed. */
  EMAIL_NOT_VERIFIED: "EMAIL_NOT_VERIFIED",
  /**
   * The session has not verified the account's second factor (level 1): only verifySecondFactor and
   * logout work. Also for an admin without a verified second factor under REQUIRE_ADMIN_SECOND_FACTOR.
   */
  SECOND_FACTOR_REQUIRED: "SECOND_FACTOR_REQUIRED",
  /** Step-up: the account has a second factor, and this session has not verified it recently. */
  RECENT_SECOND_FACTOR_REQUIRED: "RECENT_SECOND_FACTOR_REQUIRED",
  /**
   * Setting up the first second factor of an account: the session must have logged in (with the
   * password) recently, so that a stolen session alone cannot put a factor of its own on the account.
   */
  RECENT_LOGIN_REQUIRED: "RECENT_LOGIN_REQUIRED",
} as const;
export type ForbiddenReason = (typeof ForbiddenReason)[keyof typeof ForbiddenReason];

const FORBIDDEN_MESSAGES: Record<ForbiddenReason, string> = {
  ADMIN_ONLY: "Only an admin may do this.",
  NOT_OWNER: "Only its owner and admins may see this.",
  ACCOUNT_DISABLED: "This account has been disabled.",
  EMAIL_NOT_VERIFIED: "Verify your email address first: follow the link we mailed you.",
  SECOND_FACTOR_REQUIRED: "This needs a session that has verified a second factor: verifySecondFactor with a code (or set one up first).",
  RECENT_SECOND_FACTOR_REQUIRED: "This needs a recent second-factor verification: verifySecondFactor with a code, then try again.",
  RECENT_LOGIN_REQUIRED: "This needs a recent login: log in again with your password, then try again.",
};

const AUTH_MESSAGES: Record<AuthFailure, string> = {
  NOT_AUTHENTICATED: "You must be logged in.",
  TOKEN_EXPIRED: "Your access token has expired. Refresh it or log in again.",
  TOKEN_INVALID: "Your access token is not valid. Log in again.",
  SESSION_ENDED: "Your session has ended. Log in again.",
  INVALID_CREDENTIALS: "Wrong email or password.",
  REFRESH_TOKEN_INVALID: "This refresh token is not valid. Log in again.",
  REFRESH_TOKEN_EXPIRED: "This refresh token has expired. Log in again.",
  REFRESH_TOKEN_REUSED: "This refresh token was already used, so the session has been ended for safety. Log in again.",
  PASSKEY_UNKNOWN: "This passkey is not registered for this account. Use another passkey, or your password.",
  PASSKEY_REFUSED: "This passkey's answer did not verify. Try again.",
  PASSKEY_COUNTER_REGRESSED:
    "This passkey was refused: its signature counter went backwards, which a copied passkey does. Use another one.",
};

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra `extensions` for the client, such as `reason` or `field`. */
    readonly details: Record<string, string | number> = {},
    /** What went wrong underneath, for the server's logs; never sent to the client (src/graphql/errorFormatting.ts). */
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
  }
}

export class AuthenticationError extends AppError {
  /** `cause` says which check failed (an expired `exp`, a bad signature, a revoked session), for the debug log. */
  constructor(
    readonly reason: AuthFailure,
    cause?: unknown,
  ) {
    super(ErrorCode.UNAUTHENTICATED, AUTH_MESSAGES[reason], { reason }, cause);
  }
}

/** The caller is known but may not do this; `reason` says why. */
export class ForbiddenError extends AppError {
  constructor(readonly reason: ForbiddenReason) {
    super(ErrorCode.FORBIDDEN, FORBIDDEN_MESSAGES[reason], { reason });
  }
}

/** Bad input, naming the input field that was wrong (`email`, `password`, `name`, ...). */
export class InputError extends AppError {
  constructor(field: string, message: string, reason = "INVALID") {
    super(ErrorCode.BAD_USER_INPUT, message, { field, reason });
  }
}

/**
 * `extensions.reason` of BAD_USER_INPUT errors on the `token` of a mailed link (verifyEmail,
 * resetPassword, confirmEmailChange).
 */
export const LinkTokenFailure = {
  /** Not a token this server mailed for this purpose (mistyped, cut short, forged): ask for a new link. */
  LINK_INVALID: "LINK_INVALID",
  /** The link is past its time: ask for a new one. */
  LINK_EXPIRED: "LINK_EXPIRED",
  /** The link was used already (each works once), or a newer action made it void: ask for a new one. */
  LINK_USED: "LINK_USED",
} as const;
export type LinkTokenFailure = (typeof LinkTokenFailure)[keyof typeof LinkTokenFailure];

const LINK_TOKEN_MESSAGES: Record<LinkTokenFailure, string> = {
  LINK_INVALID: "This link is not valid. Ask for a new one.",
  LINK_EXPIRED: "This link has expired. Ask for a new one.",
  LINK_USED: "This link has already been used. Ask for a new one.",
};

/** A mailed link's token that cannot be used; the field is always `token`. */
export class LinkTokenError extends InputError {
  constructor(readonly failure: LinkTokenFailure) {
    super("token", LINK_TOKEN_MESSAGES[failure], failure);
  }
}

/** `extensions.reason` of TOO_MANY_REQUESTS errors: what was refused, so a client can say why it waits. */
export const TooManyRequestsReason = {
  /** Too many failed logins (or password-change checks) for the account, or from this address. */
  LOGIN_ATTEMPTS: "LOGIN_ATTEMPTS",
  /** Too many signups from this address. */
  SIGNUP_ATTEMPTS: "SIGNUP_ATTEMPTS",
  /** Too many password reset requests for this email address, or from this address. */
  PASSWORD_RESET_REQUESTS: "PASSWORD_RESET_REQUESTS",
  /** Too many verification or email-change mails asked for by this user. */
  ACCOUNT_MAIL_REQUESTS: "ACCOUNT_MAIL_REQUESTS",
  /** Too many passkey sign-ins started (startPasskeyLogin) from this address. */
  PASSKEY_LOGIN_STARTS: "PASSKEY_LOGIN_STARTS",
  /** Password checks are queued for longer than the server lets anyone wait; counted against no one. */
  SERVER_BUSY: "SERVER_BUSY",
} as const;
export type TooManyRequestsReason = (typeof TooManyRequestsReason)[keyof typeof TooManyRequestsReason];

const TOO_MANY_REQUESTS_MESSAGES: Record<TooManyRequestsReason, string> = {
  LOGIN_ATTEMPTS: "Too many failed login attempts.",
  SIGNUP_ATTEMPTS: "Too many signups from this address.",
  PASSWORD_RESET_REQUESTS: "Too many password reset requests.",
  ACCOUNT_MAIL_REQUESTS: "Too many mails asked for.",
  PASSKEY_LOGIN_STARTS: "Too many passkey sign-ins started from this address.",
  SERVER_BUSY: "The server is too busy to check passwords right now.",
};

/** Refused for now; `retryAfterSeconds` says when to try again. */
export class TooManyRequestsError extends AppError {
  constructor(reason: TooManyRequestsReason, retryAfterSeconds: number) {
    super(ErrorCode.TOO_MANY_REQUESTS, `${TOO_MANY_REQUESTS_MESSAGES[reason]} Try again in ${retryAfterSeconds} seconds.`, {
      reason,
      retryAfterSeconds,
    });
  }
}
