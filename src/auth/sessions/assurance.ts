import type { Caller, SessionAssurance } from "../types";

/**
 * The level model. A session starts at level 1, with what started it: a password (`pwd`). While
 * the account has a second factor, a level-1 session can do nothing but verify it (or log out);
 * verifying raises the same session to level 2 and adds the method (`otp`) to its `amr`. The
 * session row keeps level, amr and auth_time across refresh rotations, and every access token
 * signed for it carries `amr` and `auth_time` (RFC 8176, OpenID Connect Core §2). A passkey
 * starts a session at the level it proves (passkeyProven), or verifies one as a code does
 * (`hwk`/`swk`, and `user` with user verification). Identity providers add theirs to the same model.
 */

/** RFC 8176 values of the methods this server knows. */
export const AuthMethod = {
  PASSWORD: "pwd",
  /** A one-time code: a TOTP code, or a recovery code. */
  ONE_TIME_CODE: "otp",
  /** A passkey bound to one device (its key never leaves the authenticator). */
  HARDWARE_KEY: "hwk",
  /** A synced passkey (backed up to a cloud keychain, so held in software somewhere). */
  SOFTWARE_KEY: "swk",
  /** The authenticator verified its user (a PIN or a biometric): the factor the key alone lacks. */
  USER: "user",
  /** An OpenID Connect provider signed the user in ("fed", the value Microsoft Entra ID uses; RFC 8176 has none). */
  IDENTITY_PROVIDER: "fed",
} as const;
export type AuthMethod = (typeof AuthMethod)[keyof typeof AuthMethod];

/** A session that a password has just started. */
export function passwordProven(now: number): SessionAssurance {
  return { level: 1, amr: [AuthMethod.PASSWORD], authTime: new Date(now) };
}

/** A session that an identity provider's sign-in has just started: one factor, like a password. */
export function identityProviderProven(now: number): SessionAssurance {
  return { level: 1, amr: [AuthMethod.IDENTITY_PROVIDER], authTime: new Date(now) };
}

/**
 * A session that a passkey has just started. With user verification it proves two factors, the
 * key (something held) and the PIN or biometric that unlocked it: level 2, asking for no code.
 * Without, the key alone is one factor: level 1, like a password.
 */
export function passkeyProven(key: PasskeyMethod, userVerified: boolean, now: number): SessionAssurance {
  return { level: userVerified ? 2 : 1, amr: userVerified ? [key, AuthMethod.USER] : [key], authTime: new Date(now) };
}

export type PasskeyMethod = typeof AuthMethod.HARDWARE_KEY | typeof AuthMethod.SOFTWARE_KEY;

/** The session after a second factor (a code, or a passkey with what it proved) was verified in it, now. */
export function secondFactorProven(before: SessionAssurance, methods: AuthMethod | readonly AuthMethod[], now: number): SessionAssurance {
  const added = (typeof methods === "string" ? [methods] : methods).filter((method) => !before.amr.includes(method));
  return { level: 2, amr: [...before.amr, ...added], authTime: new Date(now) };
}

/** A session of an account with a second factor, not verified yet: it may only verify it (or log out). */
export function awaitsSecondFactor(assurance: SessionAssurance, hasSecondFactor: boolean): boolean {
  return hasSecondFactor && assurance.level < 2;
}

/** The columns of a Session row that hold its assurance. */
export function assuranceColumns(assurance: SessionAssurance) {
  return { assuranceLevel: assurance.level, amr: assurance.amr, authTime: assurance.authTime };
}

/** A Session row's assurance, read back. */
export function assuranceOf(row: { assuranceLevel: number; amr: string[]; authTime: Date }): SessionAssurance {
  return { level: row.assuranceLevel >= 2 ? 2 : 1, amr: row.amr, authTime: row.authTime };
}

export interface AssurancePolicyOptions {
  /** How long a verified second factor (or, for a first factor, a login) counts as recent (RECENT_SECOND_FACTOR_MAX_AGE). */
  recentSecondFactorMaxAgeSeconds: number;
  /** REQUIRE_ADMIN_SECOND_FACTOR: admins act as admins only from a level-2 session. */
  requireAdminSecondFactor: boolean;
  now: () => number;
}

/** What the access rules ask of a caller's assurance, with the configuration and the clock. */
export class AssurancePolicy {
  constructor(private readonly options: AssurancePolicyOptions) {}

  /** The caller's session awaits its second factor. */
  awaitsSecondFactor(caller: Caller): boolean {
    return awaitsSecondFactor(caller.assurance, caller.hasSecondFactor);
  }

  /**
   * Step-up: true for an account without a second factor (its password is all it has, and the
   * operations that change credentials ask for it themselves), else only when this session
   * verified the factor within the configured time.
   */
  hasRecentSecondFactor(caller: Caller): boolean {
    if (!caller.hasSecondFactor) return true;
    return caller.assurance.level >= 2 && this.authenticatedRecently(caller);
  }

  /**
   * The session's user authenticated (a login, a verification) within the same configured time.
   * Asked before an account gets its first factor: that operation asks for no password, and a
   * factor put on by whoever holds a stolen session (a refresh token keeps one alive for days)
   * would lock the owner's other sessions out.
   */
  authenticatedRecently(caller: Caller): boolean {
    return this.options.now() - caller.assurance.authTime.getTime() <= this.options.recentSecondFactorMaxAgeSeconds * 1000;
  }

  /** An admin's session may act as an admin: always, or with REQUIRE_ADMIN_SECOND_FACTOR only at level 2. */
  mayActAsAdmin(caller: Caller): boolean {
    return !this.options.requireAdminSecondFactor || caller.assurance.level >= 2;
  }
}
