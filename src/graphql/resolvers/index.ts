import type { Resolvers } from "../generated/resolverTypes";
import { accountMutations, accountQueries } from "./account";
import { DateTime } from "./scalars";
import { Session, sessionMutations, sessionQueries } from "./sessions";

export const resolvers: Resolvers = {
  DateTime,
  Session,
  Query: { ...accountQueries, ...sessionQueries },
  Mutation: { ...accountMutations, ...sessionMutations },
};
