import { InputError } from "../../errors";

export const PASSWORD_MIN_CHARACTERS = 8;
/** bcrypt reads only the first 72 bytes of a password; longer ones are refused, not truncated. */
export const PASSWORD_MAX_BYTES = 72;
export const NAME_MAX_CHARACTERS = 100;
/** RFC 5321's limit for a whole address. */
export const EMAIL_MAX_CHARACTERS = 254;

// Pragmatic: one @, no spaces or control characters (PostgreSQL refuses NUL), a dot in the
// domain. Deliverability is the mailer's job.
const EMAIL_SHAPE = /^[^\s@\p{Cc}]+@[^\s@.\p{Cc}]+(\.[^\s@.\p{Cc}]+)+$/u;

/** Emails are compared and stored trimmed and lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function validateEmail(rawEmail: string): string {
  const email = normalizeEmail(rawEmail);
  if (email.length > EMAIL_MAX_CHARACTERS || !EMAIL_SHAPE.test(email)) {
    throw new InputError("email", "Enter a valid email address, like ada@example.com.");
  }
  return email;
}

export function validateNewPassword(password: string, email: string, field = "password"): string {
  if ([...password].length < PASSWORD_MIN_CHARACTERS) {
    throw new InputError(field, `The password must have at least ${PASSWORD_MIN_CHARACTERS} characters.`);
  }
  validatePasswordLength(password, field);
  if (normalizeEmail(password) === normalizeEmail(email)) {
    throw new InputError(field, "The password must not be your email address.");
  }
  return password;
}

export function validateName(rawName: string): string {
  const name = rawName.trim();
  if (name.length === 0 || [...name].length > NAME_MAX_CHARACTERS) {
    throw new InputError("name", `The name must have 1 to ${NAME_MAX_CHARACTERS} characters.`);
  }
  // Control characters have no place in a display name and can corrupt logs and UIs.
  if (/\p{Cc}/u.test(name)) throw new InputError("name", "The name must not contain control characters.");
  return name;
}

/** Any password offered at login: no account has one over the limit, so longer is refused unread. */
export function validatePasswordLength(password: string, field = "password"): string {
  if (Buffer.byteLength(password, "utf8") > PASSWORD_MAX_BYTES) {
    throw new InputError(field, `The password must be at most ${PASSWORD_MAX_BYTES} bytes long (UTF-8).`);
  }
  return password;
}
