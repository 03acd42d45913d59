/**
 * Every kind of security event, one per line. A new kind (the second-factor and identity work add
 * theirs): its line here (the column is text, so no migration), its row in docs/api.md's table of
 * kinds (test/docs/readme.test.ts checks both list the same, in order), one recordSecurityEvents
 * call in the transaction of the change it records (./recording.ts), and a test of that change
 * that reads the event back.
 */
export const SECURITY_EVENT_KINDS = [
  "SIGNUP",
  "LOGIN",
  "LOGIN_FAILED",
  "LOGOUT",
  "LOGOUT_ALL",
  "REFRESH_REUSE_DETECTED",
  "SESSION_REVOKED",
  "SESSION_LIMIT",
  "PASSWORD_CHANGED",
  "PASSWORD_RESET_REQUESTED",
  "PASSWORD_RESET",
  "EMAIL_VERIFIED",
  "EMAIL_CHANGE_REQUESTED",
  "EMAIL_CHANGED",
  "ACCOUNT_DISABLED",
  "ACCOUNT_ENABLED",
  "ROLE_CHANGED",
  "ACCOUNT_DELETED",
  "SECOND_FACTOR_ADDED",
  "SECOND_FACTOR_REMOVED",
  "SECOND_FACTOR_VERIFIED",
  "SECOND_FACTOR_FAILED",
  "RECOVERY_CODE_USED",
  "RECOVERY_CODES_REGENERATED",
  "IDENTITY_LINKED",
  "IDENTITY_UNLINKED",
  "PASSKEY_ADDED",
  "PASSKEY_REMOVED",
  "PASSKEY_USED",
  "PASSKEY_REFUSED",
] as const;

export type SecurityEventKind = (typeof SECURITY_EVENT_KINDS)[number];

export function isSecurityEventKind(value: string): value is SecurityEventKind {
  return (SECURITY_EVENT_KINDS as readonly string[]).includes(value);
}
