import { InputError } from "../../errors";
import type { PrismaClient, UserIdentity } from "../../generated/prisma/client";
import { recordSecurityEvents } from "../securityEvents/recording";
import { lockUser } from "../sessions/userLock";
import type { Caller, ClientInfo } from "../types";
import type { IdentityTickets } from "./identityTickets";
import type { IdentityProviders } from "./providerRegistry";

export interface IdentitySettingsDeps {
  prisma: PrismaClient;
  providers: IdentityProviders;
  tickets: IdentityTickets;
  /** APP_URL: where a link flow returns by default. */
  appUrl: string;
  now: () => number;
}

/** The signed-in user's own identities: reading them, linking one more, unlinking one. */
export class IdentitySettings {
  constructor(private readonly deps: IdentitySettingsDeps) {}

  listFor(userId: string): Promise<UserIdentity[]> {
    return this.deps.prisma.userIdentity.findMany({ where: { userId }, orderBy: { linkedAt: "asc" } });
  }

  /**
   * A one-time URL (10 minutes, until the link is made) that starts a sign-in at the provider
   * whose identity then links to the caller's account, while the caller's session lasts and no
   * credential event has voided it (tokens/pendingLinks.ts). Step-up applies (schema.graphql's
   * @recentSecondFactor).
   */
  async startLink(caller: Caller, providerId: string, returnTo: string | null | undefined): Promise<string> {
    const provider = this.deps.providers.find(providerId);
    if (!provider) throw new InputError("provider", `There is no identity provider "${providerId}".`, "UNKNOWN_PROVIDER");
    const token = await this.deps.tickets.issueLink(caller, provider.id);
    const url = new URL(`${this.deps.providers.apiUrl()}/auth/${provider.id}/start`);
    url.searchParams.set("link", token);
    url.searchParams.set("return_to", returnTo ?? `${this.deps.appUrl}/`);
    return url.href;
  }

  /**
   * Refused (LAST_SIGN_IN_METHOD) when the account would have no way left to sign in: no
   * password and no other identity. One transaction under the user's lock, so two unlinks at
   * once cannot each leave the other as the last one.
   */
  async unlink(caller: Caller, providerId: string, client: ClientInfo): Promise<boolean> {
    const { prisma, now } = this.deps;
    const userId = caller.user.id;
    return prisma.$transaction(async (tx) => {
      await lockUser(tx, userId);
      const identities = await tx.userIdentity.findMany({ where: { userId } });
      const identity = identities.find((candidate) => candidate.provider === providerId);
      if (!identity) throw new InputError("provider", `No identity of "${providerId}" is linked to this account.`, "NOT_LINKED");
      const user = await tx.user.findUniqueOrThrow({ where: { id: userId }, select: { passwordHash: true } });
      if (user.passwordHash === null && identities.length === 1) {
        throw new InputError(
          "provider",
          "This is the account's only way to sign in: set a password first (requestPasswordReset), or link another provider.",
          "LAST_SIGN_IN_METHOD",
        );
      }
      await tx.userIdentity.delete({ where: { id: identity.id } });
      await recordSecurityEvents(tx, now(), [
        {
          kind: "IDENTITY_UNLINKED",
          userId,
          actorId: userId,
          sessionId: caller.sessionId,
          client,
          detail: { provider: providerId, email: identity.email },
        },
      ]);
      return true;
    });
  }
}
