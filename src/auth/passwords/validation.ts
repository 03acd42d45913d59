import { InputError } from "../../errors";
import { normalizeEmail, requireWellFormed } from "../users/validation";

export const PASSWORD_MIN_CHARACTERS = 8;
/** bcrypt reads only the first 72 bytes of a password; longer ones are refused, not truncated. */
export const PASSWORD_MAX_BYTES = 72;

/**
 * Any password offered (login, current password, new password). Over the limit: no account has
 * one, so it is refused unread. Not well-formed: bcrypt hashes UTF-8, where every lone surrogate
 * becomes U+FFFD, so two different passwords would hash alike.
 */
export function validateOfferedPassword(password: string, field = "password"): string {
  requireWellFormed(password, field);
  if (Buffer.byteLength(password, "utf8") > PASSWORD_MAX_BYTES) {
    throw new InputError(field, `The password must be at most ${PASSWORD_MAX_BYTES} bytes long (UTF-8).`);
  }
  return password;
}

export function validateNewPassword(password: string, email: string, field = "password"): string {
  validateOfferedPassword(password, field);
  if ([...password].length < PASSWORD_MIN_CHARACTERS) {
    throw new InputError(field, `The password must have at least ${PASSWORD_MIN_CHARACTERS} characters.`);
  }
  if (normalizeEmail(password) === normalizeEmail(email)) {
    throw new InputError(field, "The password must not be your email address.");
  }
  return password;
}
