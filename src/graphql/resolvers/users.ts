import type { MutationResolvers, QueryResolvers } from "../generated/resolverTypes";

export const userQueries: Pick<QueryResolvers, "users"> = {
  users: (_parent, args, context) => context.services.users.page(args),
};

export const userMutations: Pick<MutationResolvers, "setUserRole" | "disableUser" | "enableUser"> = {
  setUserRole: async (_parent, { id, role }, context) =>
    context.services.userAdministration.setRole(await context.caller(), id, role, context.client),
  disableUser: async (_parent, { id }, context) => context.services.userAdministration.disable(await context.caller(), id, context.client),
  enableUser: async (_parent, { id }, context) => context.services.userAdministration.enable(await context.caller(), id, context.client),
};
