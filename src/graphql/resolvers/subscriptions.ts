import type { Post } from "../../generated/prisma/client";
import type { SessionEvent } from "../../liveEvents/liveEvents";
import type { GraphQLContext } from "../context";
import type { SubscriptionResolvers } from "../generated/resolverTypes";

/**
 * Each stream is this process's fan-out of the database's notifications (src/liveEvents). The
 * access rules check the caller when a client subscribes; each event is then only passed on.
 */
export const Subscription: SubscriptionResolvers = {
  sessionEvents: {
    subscribe: async (_parent, _args, context) =>
      context.services.liveEvents.sessionEventsOf((await context.caller()).user.id, eventBounds(context)),
    resolve: (event: SessionEvent) => event,
  },
  postPublished: {
    subscribe: (_parent, _args, context) => context.services.liveEvents.publishedPosts(eventBounds(context)),
    resolve: (post: Post) => post,
  },
};

/** Set for every operation over the socket; HTTP refuses subscriptions before any resolver runs (transportRules.ts). */
function eventBounds(context: GraphQLContext) {
  return context.eventBounds!;
}
