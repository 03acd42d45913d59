import type { MutationResolvers, QueryResolvers, UserResolvers } from "../generated/resolverTypes";
import { deliver } from "./tokenDelivery";

export const identityQueries: Pick<QueryResolvers, "identityProviders"> = {
  identityProviders: (_parent, _args, context) => context.services.identityProviders.list(),
};

export const identityMutations: Pick<MutationResolvers, "exchangeLoginCode" | "startIdentityLink" | "unlinkIdentity"> = {
  exchangeLoginCode: async (_parent, { code, refreshTokenDelivery }, context) =>
    deliver(
      await context.services.identitySignIn.exchangeLoginCode(code, context.loginBindingIn, context.client),
      refreshTokenDelivery,
      context,
    ),

  startIdentityLink: async (_parent, { provider, returnTo }, context) =>
    context.services.identities.startLink(await context.caller(), provider, returnTo),

  unlinkIdentity: async (_parent, { provider }, context) =>
    context.services.identities.unlink(await context.caller(), provider, context.client),
};

export const UserIdentities: Pick<UserResolvers, "identities"> = {
  identities: (user, _args, context) => context.services.identities.listFor(user.id),
};
