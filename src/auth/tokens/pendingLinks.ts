import type { EmailTokenPurpose, Prisma } from "../../generated/prisma/client";

/**
 * The events that re-establish who controls an account: afterwards, whoever holds it is whoever
 * proved it just now (a password, a reset link, the new address, an admin's decision, a factor).
 * The FACTOR_ events are a second factor turned on (or its app replaced), turned off by the user,
 * and removed by an admin (src/auth/factors/).
 */
export type ControlEvent =
  | "PASSWORD_CHANGED"
  | "PASSWORD_RESET"
  | "LOGOUT_ALL"
  | "ACCOUNT_DISABLED"
  | "EMAIL_CHANGED"
  | "FACTOR_ADDED"
  | "FACTOR_REMOVED"
  | "FACTOR_REMOVED_BY_ADMIN";

/**
 * A pending link: a mailed link of its purpose, or IDENTITY_LINK, a URL from startIdentityLink
 * (src/auth/identities/), unused or with its flow at the provider.
 */
export type PendingLink = EmailTokenPurpose | "IDENTITY_LINK";

/**
 * The links that can move control of an account: one sets the address it logs in and recovers
 * with, one sets its password, one adds a provider account that signs in to it.
 */
const LINKS_THAT_MOVE_CONTROL: readonly PendingLink[] = ["CHANGE_EMAIL", "RESET_PASSWORD", "IDENTITY_LINK"];

/**
 * Which pending links each event voids. The table, with the reason for every cell, is in
 * docs/security.md ("Mailed links after a credential event"); a test runs every cell through the API.
 * A verification link moves nothing (it confirms the current address and starts no session), so it
 * survives every event but the one that makes its address no longer the account's.
 */
export const LINKS_VOIDED_BY: Readonly<Record<ControlEvent, readonly PendingLink[]>> = {
  PASSWORD_CHANGED: LINKS_THAT_MOVE_CONTROL,
  PASSWORD_RESET: LINKS_THAT_MOVE_CONTROL,
  LOGOUT_ALL: LINKS_THAT_MOVE_CONTROL,
  ACCOUNT_DISABLED: LINKS_THAT_MOVE_CONTROL,
  EMAIL_CHANGED: [...LINKS_THAT_MOVE_CONTROL, "VERIFY_EMAIL"],
  FACTOR_ADDED: LINKS_THAT_MOVE_CONTROL,
  FACTOR_REMOVED: LINKS_THAT_MOVE_CONTROL,
  FACTOR_REMOVED_BY_ADMIN: LINKS_THAT_MOVE_CONTROL,
};

/**
 * Voids the user's pending links that `event` voids, in the event's own transaction (after it has
 * locked the user's row: sessions/userLock.ts), so that the event and the voiding commit together.
 * A voided mailed link answers LINK_USED, as a used one does: to its holder, it is spent. A voided
 * identity link's ticket is deleted, spent or not, and with it the flow it started
 * (IdentityFlow.linkTicketId cascades): its URL and its callback then answer INVALID_STATE. The
 * link itself is written under the same user lock only while its ticket stands
 * (identities/accountLinking.ts), so a callback already past the provider cannot slip in after the event.
 */
export async function voidPendingLinks(tx: Prisma.TransactionClient, userId: string, event: ControlEvent, now: number): Promise<void> {
  const voided = LINKS_VOIDED_BY[event];
  const mailed = voided.filter((link): link is EmailTokenPurpose => link !== "IDENTITY_LINK");
  await tx.emailToken.updateMany({ where: { userId, purpose: { in: mailed }, usedAt: null }, data: { usedAt: new Date(now) } });
  if (voided.includes("IDENTITY_LINK")) await tx.identityTicket.deleteMany({ where: { userId, purpose: "LINK" } });
}
