import { Prisma, type PrismaClient, type User } from "../../generated/prisma/client";
import type { IdentityProviderSettings } from "../../config/identityProviders";
import { recordSecurityEvents } from "../securityEvents/recording";
import { lockUser, sessionIsLive } from "../sessions/userLock";
import type { ClientInfo } from "../types";
import { NAME_MAX_CHARACTERS, validateEmail } from "../users/validation";
import { IdentityFailure, IdentityFlowError } from "./identityFailures";
import type { VerifiedIdentity } from "./providerRegistry";

/**
 * The linking rules: no account is ever reached through a provider that has not proven it owns it.
 *
 * - An identity linked already signs in to its account.
 * - A new identity whose email has no account makes one, without a password; its email counts as
 *   verified only if the provider said `email_verified`.
 * - A new identity whose email has an account links to it only if the provider said
 *   `email_verified: true`, the provider is configured `trustEmailForLinking`, and the account's
 *   own email is verified (else whoever signed up with someone else's address and waited would
 *   share the account with its owner). Otherwise ACCOUNT_EXISTS.
 * - A link flow (startIdentityLink) links the identity to the signed-in account that asked, while
 *   the session that asked lasts and no credential event has voided its ticket.
 */
export async function accountForIdentity(
  prisma: PrismaClient,
  provider: IdentityProviderSettings,
  identity: VerifiedIdentity,
  linkTicketId: string | null,
  client: ClientInfo,
  now: number,
): Promise<{ user: User; linked: boolean }> {
  try {
    return await prisma.$transaction(async (tx) => {
      const known = await tx.userIdentity.findUnique({
        where: { provider_subject: { provider: provider.id, subject: identity.subject } },
        include: { user: true },
      });
      if (linkTicketId !== null) {
        const userId = await lockLinkingAccount(tx, linkTicketId, now);
        return { user: await linkTo(tx, userId, known?.userId, provider, identity, client, now), linked: true };
      }
      if (known) {
        await tx.userIdentity.update({ where: { id: known.id }, data: { email: identity.email ?? known.email } });
        return { user: usable(known.user), linked: false };
      }
      const email = emailOf(identity);
      const owner = await tx.user.findUnique({ where: { email } });
      if (owner) {
        const mayLink = identity.emailVerified && provider.trustEmailForLinking && owner.emailVerifiedAt !== null;
        if (!mayLink) throw new IdentityFlowError(IdentityFailure.ACCOUNT_EXISTS);
        usable(owner);
        if ((await lockUser(tx, owner.id)) === undefined) throw new IdentityFlowError(IdentityFailure.INVALID_STATE);
        return { user: await linkTo(tx, owner.id, undefined, provider, identity, client, now, { automatic: true }), linked: false };
      }
      const user = await tx.user.create({
        data: {
          email,
          name: nameOf(identity, email),
          passwordHash: null,
          emailVerifiedAt: identity.emailVerified ? new Date(now) : null,
          identities: { create: { provider: provider.id, subject: identity.subject, email, linkedAt: new Date(now) } },
        },
      });
      await recordSecurityEvents(tx, now, [
        { kind: "SIGNUP", userId: user.id, actorId: user.id, client, detail: { method: provider.id } },
        { kind: "IDENTITY_LINKED", userId: user.id, actorId: user.id, client, detail: { provider: provider.id, email } },
      ]);
      return { user, linked: false };
    });
  } catch (error) {
    // A signup or another sign-in took the email (or linked the identity) between the read and the insert.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      throw new IdentityFlowError(linkTicketId === null ? IdentityFailure.ACCOUNT_EXISTS : IdentityFailure.IDENTITY_IN_USE, error);
    }
    throw error;
  }
}

/**
 * Locks the account a link flow links to and answers its id, if the link still holds: its LINK
 * ticket stands (a credential event deletes it: tokens/pendingLinks.ts) and the session that asked
 * for it has not ended. Those events take the same lock (the user row first, as every transaction
 * that writes a user's rows takes it: sessions/userLock.ts), so one that committed first is seen
 * here, and one that comes later finds the identity linked before it, as a finished link is.
 */
async function lockLinkingAccount(tx: Prisma.TransactionClient, ticketId: string, now: number): Promise<string> {
  const ticket = await tx.identityTicket.findUnique({ where: { id: ticketId }, select: { userId: true } });
  if (!ticket || (await lockUser(tx, ticket.userId)) === undefined) throw new IdentityFlowError(IdentityFailure.INVALID_STATE);
  const held = await tx.identityTicket.findUnique({ where: { id: ticketId }, select: { sessionId: true } });
  if (!held) throw new IdentityFlowError(IdentityFailure.INVALID_STATE);
  if (held.sessionId === null || !(await sessionIsLive(tx, held.sessionId, ticket.userId, now))) {
    throw new IdentityFlowError(IdentityFailure.SESSION_ENDED);
  }
  return ticket.userId;
}

/** Links the identity to the user, whose row the caller has locked. */
async function linkTo(
  tx: Prisma.TransactionClient,
  userId: string,
  linkedToUserId: string | undefined,
  provider: IdentityProviderSettings,
  identity: VerifiedIdentity,
  client: ClientInfo,
  now: number,
  detail: { automatic?: boolean } = {},
): Promise<User> {
  if (linkedToUserId !== undefined && linkedToUserId !== userId) throw new IdentityFlowError(IdentityFailure.IDENTITY_IN_USE);
  const user = await tx.user.findUniqueOrThrow({ where: { id: userId } });
  if (linkedToUserId === userId) return usable(user);
  const other = await tx.userIdentity.findUnique({ where: { userId_provider: { userId, provider: provider.id } } });
  if (other) throw new IdentityFlowError(IdentityFailure.PROVIDER_ALREADY_LINKED);
  await tx.userIdentity.create({
    data: { userId, provider: provider.id, subject: identity.subject, email: identity.email ?? null, linkedAt: new Date(now) },
  });
  await recordSecurityEvents(tx, now, [
    {
      kind: "IDENTITY_LINKED",
      userId,
      actorId: userId,
      client,
      detail: { provider: provider.id, email: identity.email ?? null, ...detail },
    },
  ]);
  return usable(user);
}

function usable(user: User): User {
  if (user.disabledAt !== null) throw new IdentityFlowError(IdentityFailure.ACCOUNT_DISABLED);
  return user;
}

function emailOf(identity: VerifiedIdentity): string {
  if (identity.email === undefined) throw new IdentityFlowError(IdentityFailure.EMAIL_MISSING);
  try {
    return validateEmail(identity.email);
  } catch (error) {
    throw new IdentityFlowError(IdentityFailure.EMAIL_MISSING, error);
  }
}

/** The provider's name for the user, made to fit our rules; else the email's local part. */
function nameOf(identity: VerifiedIdentity, email: string): string {
  const printable = (identity.name ?? "").replace(/\p{Cc}+/gu, " ").trim();
  const name = printable || email.split("@")[0]!;
  return [...name].slice(0, NAME_MAX_CHARACTERS).join("");
}
