import type { MutationResolvers, QueryResolvers } from "../generated/resolverTypes";
import { deliver, forgetRefreshTokenCookie } from "./tokenDelivery";

export const accountQueries: Pick<QueryResolvers, "me"> = {
  me: async (_parent, _args, context) => (await context.caller()).user,
};

export const accountMutations: Pick<MutationResolvers, "signup" | "login" | "changePassword" | "deleteAccount"> = {
  signup: async (_parent, { input, refreshTokenDelivery }, context) =>
    deliver(await context.services.accounts.signup(input, context.client), refreshTokenDelivery, context),

  login: async (_parent, { input, refreshTokenDelivery }, context) =>
    deliver(await context.services.accounts.login(input, context.client), refreshTokenDelivery, context),

  changePassword: async (_parent, { input, refreshTokenDelivery }, context) => {
    const result = await context.services.accounts.changePassword(await context.caller(), input, context.client);
    return deliver(result, refreshTokenDelivery, context);
  },

  deleteAccount: async (_parent, { currentPassword }, context) => {
    await context.services.accountDeletion.deleteAccount(await context.caller(), currentPassword, context.client);
    forgetRefreshTokenCookie(context);
    return true;
  },
};
