import { domainToASCII } from "node:url";

/** RFC 5321 §4.5.3.1: a reverse or forward path holds at most 256 octets, two of them `<` and `>`. */
export const MAILBOX_MAX_OCTETS = 254;
const LOCAL_PART_MAX_OCTETS = 64;
const DOMAIN_MAX_OCTETS = 253;
const LABEL_MAX_OCTETS = 63;

// RFC 5322's atext (letters, digits and !#$%&'*+-/=?^_`{|}~), and, as RFC 6531 allows, letters,
// marks and digits of any script. None of these is an operator of an address list (, ; : < > ( ) "
// and spaces are, which a mail library would read as a second recipient or a display name).
const ATOM = String.raw`[\p{L}\p{M}\p{N}!#$%&'*+\-/=?^_\x60{|}~]+`;
/** A dot-atom: atoms joined by single dots; no quoted strings, no comments. */
const LOCAL_PART = new RegExp(String.raw`^${ATOM}(?:\.${ATOM})*$`, "u");
/** Letters, marks, digits and inner hyphens (LDH, in any script). */
const LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{M}\p{N}-]*[\p{L}\p{M}\p{N}])?$/u;

/**
 * True when `address` is one mailbox this API accepts and mails (docs/security.md, "Email
 * addresses"): a dot-atom local part, `@`, a domain of at least two labels whose last is not all
 * digits, within RFC 5321's lengths (octets of UTF-8; a domain's in its ASCII form). Address
 * literals (`[192.0.2.1]`), quoted local parts and comments are valid RFC 5321 and refused here:
 * real mailboxes do not need them, and each is something a mail library may read differently.
 */
export function isMailbox(address: string): boolean {
  const at = address.lastIndexOf("@");
  if (at < 0 || Buffer.byteLength(address, "utf8") > MAILBOX_MAX_OCTETS) return false;
  const localPart = address.slice(0, at);
  const domain = address.slice(at + 1);
  return Buffer.byteLength(localPart, "utf8") <= LOCAL_PART_MAX_OCTETS && LOCAL_PART.test(localPart) && isDomain(domain);
}

function isDomain(domain: string): boolean {
  const labels = domain.split(".");
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label)) || /^\d+$/.test(labels.at(-1)!)) return false;
  // The lengths hold for the form DNS carries (Punycode); "" means IDNA refuses the name.
  const ascii = domainToASCII(domain);
  return ascii !== "" && ascii.length <= DOMAIN_MAX_OCTETS && ascii.split(".").every((label) => label.length <= LABEL_MAX_OCTETS);
}
