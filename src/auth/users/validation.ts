import { InputError } from "../../errors";
import { isMailbox } from "../../mail/mailbox";

export const NAME_MAX_CHARACTERS = 100;

/**
 * The one form in which emails are compared and stored (docs/security.md, "Email addresses").
 * NFKC first, so that fullwidth, ligature and decomposed forms fold into the plain one
 * ("ａｄａ" is "ada", NFD "é" is NFC "é"); then lower case; then NFKC again, because lower-casing
 * can leave a letter and a combining mark that NFKC composes ("H" + U+0331 -> "ẖ"), and the result
 * must not change when normalised twice.
 */
export function normalizeEmail(email: string): string {
  return email.normalize("NFKC").trim().toLowerCase().normalize("NFKC");
}

/**
 * The normal form of an address that is one mailbox of the grammar in src/mail/mailbox.ts: no
 * spaces, control or invisible format characters (which would make "ada@example.com" and a
 * lookalike two accounts), nothing a mail library reads as a list or a display name.
 */
export function validateEmail(rawEmail: string, field = "email"): string {
  requireWellFormed(rawEmail, field);
  const email = normalizeEmail(rawEmail);
  if (!isMailbox(email)) {
    throw new InputError(field, "Enter a valid email address, like ada@example.com.");
  }
  return email;
}

export function validateName(rawName: string): string {
  requireWellFormed(rawName, "name");
  const name = rawName.trim();
  if (name.length === 0 || [...name].length > NAME_MAX_CHARACTERS) {
    throw new InputError("name", `The name must have 1 to ${NAME_MAX_CHARACTERS} characters.`);
  }
  // Control characters have no place in a display name and can corrupt logs and UIs.
  if (/\p{Cc}/u.test(name)) throw new InputError("name", "The name must not contain control characters.");
  return name;
}

/**
 * Refuses text with a lone UTF-16 surrogate, which no keyboard produces and no UTF-8 column or
 * hash can hold faithfully (Prisma refuses to send it at all). JSON's "\ud800" escape lets any
 * client send one.
 */
export function requireWellFormed(text: string, field: string): void {
  if (!text.isWellFormed()) throw new InputError(field, "The text contains an unpaired UTF-16 surrogate, which is not valid Unicode.");
}
