import type { MutationResolvers, QueryResolvers } from "../generated/resolverTypes";
import { deliver } from "./tokenDelivery";

export const accountQueries: Pick<QueryResolvers, "me"> = {
  me: (_parent, _args, context) => context.currentUser(),
};

export const accountMutations: Pick<MutationResolvers, "signup" | "login" | "changePassword"> = {
  signup: async (_parent, { input, refreshTokenDelivery }, context) =>
    deliver(await context.services.accounts.signup(input, context.client), refreshTokenDelivery, context),

  login: async (_parent, { input, refreshTokenDelivery }, context) =>
    deliver(await context.services.accounts.login(input, context.client), refreshTokenDelivery, context),

  changePassword: async (_parent, { input, refreshTokenDelivery }, context) => {
    const result = await context.services.accounts.changePassword(await context.caller(), input, context.client);
    return deliver(result, refreshTokenDelivery, context);
  },
};
