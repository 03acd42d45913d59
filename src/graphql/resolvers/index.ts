import type { Resolvers } from "../generated/resolverTypes";
import { accountMutations, accountQueries } from "./account";
import { DateTime } from "./scalars";

export const resolvers: Resolvers = {
  DateTime,
  Query: { ...accountQueries },
  Mutation: { ...accountMutations },
};
