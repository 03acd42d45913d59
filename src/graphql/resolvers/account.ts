import type { MutationResolvers, QueryResolvers } from "../generated/resolverTypes";

export const accountQueries: Pick<QueryResolvers, "me"> = {
  me: (_parent, _args, context) => context.currentUser(),
};

export const accountMutations: Pick<MutationResolvers, "signup" | "login"> = {
  signup: (_parent, { input }, context) => context.services.auth.signup(input, context.client),
  login: (_parent, { input }, context) => context.services.auth.login(input, context.client),
};
