import type { Resolvers } from "../generated/resolverTypes";
import { accountMutations, accountQueries } from "./account";
import { Post, postMutations, postQueries } from "./posts";
import { DateTime } from "./scalars";
import { Session, sessionMutations, sessionQueries } from "./sessions";
import { userMutations, userQueries } from "./users";

export const resolvers: Resolvers = {
  DateTime,
  Session,
  Post,
  Query: { ...accountQueries, ...sessionQueries, ...postQueries, ...userQueries },
  Mutation: { ...accountMutations, ...sessionMutations, ...postMutations, ...userMutations },
};
