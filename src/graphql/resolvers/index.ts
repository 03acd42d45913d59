import type { Resolvers } from "../generated/resolverTypes";
import { accountMutations, accountQueries } from "./account";
import { accountEmailMutations, User } from "./accountEmails";
import { Post, postMutations, postQueries } from "./posts";
import { passkeyMutations, UserPasskeys } from "./passkeys";
import { identityMutations, identityQueries, UserIdentities } from "./identities";
import { DateTime, JSONScalar } from "./scalars";
import { secondFactorMutations, UserSecondFactors } from "./secondFactors";
import { SecurityEvent, securityEventQueries } from "./securityEvents";
import { Session, sessionMutations, sessionQueries } from "./sessions";
import { Subscription } from "./subscriptions";
import { userMutations, userQueries } from "./users";

export const resolvers: Resolvers = {
  DateTime,
  JSON: JSONScalar,
  Session,
  Post,
  User: { ...User, ...UserSecondFactors, ...UserPasskeys, ...UserIdentities },
  SecurityEvent,
  Query: { ...accountQueries, ...sessionQueries, ...postQueries, ...userQueries, ...securityEventQueries, ...identityQueries },
  Mutation: {
    ...accountMutations,
    ...accountEmailMutations,
    ...sessionMutations,
    ...postMutations,
    ...userMutations,
    ...secondFactorMutations,
    ...passkeyMutations,
    ...identityMutations,
  },
  Subscription,
};
