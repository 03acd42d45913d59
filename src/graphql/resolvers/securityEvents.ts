import type { QueryResolvers, SecurityEventResolvers } from "../generated/resolverTypes";

export const securityEventQueries: Pick<QueryResolvers, "mySecurityEvents" | "securityEvents"> = {
  mySecurityEvents: async (_parent, args, context) => context.services.securityEvents.mine(await context.caller(), args),
  securityEvents: (_parent, args, context) => context.services.securityEvents.all(args),
};

export const SecurityEvent: Pick<SecurityEventResolvers, "detail"> = {
  // A JSON object in a string: the schema has no JSON type, and every kind has its own facts.
  detail: (event) => (event.detail === null ? null : JSON.stringify(event.detail)),
};
