import type { MutationResolvers, QueryResolvers, SessionResolvers } from "../generated/resolverTypes";
import { deliver, forgetRefreshTokenCookie } from "./tokenDelivery";

export const sessionQueries: Pick<QueryResolvers, "mySessions"> = {
  mySessions: async (_parent, args, context) => context.services.sessions.activeSessions(await context.caller(), args),
};

export const sessionMutations: Pick<MutationResolvers, "refreshToken" | "logout" | "logoutAll" | "revokeSession"> = {
  refreshToken: async (_parent, { token, refreshTokenDelivery }, context) => {
    const fromCookie = token == null;
    const result = await context.services.refreshRotation.refresh(fromCookie ? context.refreshCookieIn : token, context.client);
    // A token that came in the cookie goes back in the cookie, never into a script's reach.
    return deliver(result, fromCookie ? "COOKIE" : refreshTokenDelivery, context);
  },

  logout: async (_parent, _args, context) => {
    await context.services.sessions.logout(await context.caller(), context.client);
    forgetRefreshTokenCookie(context);
    return true;
  },

  logoutAll: async (_parent, _args, context) => {
    await context.services.sessions.logoutAll(await context.caller(), context.client);
    forgetRefreshTokenCookie(context);
    return true;
  },

  revokeSession: async (_parent, { id }, context) => {
    await context.services.sessions.revokeSession(await context.caller(), id, context.client);
    return true;
  },
};

export const Session: SessionResolvers = {
  current: async (session, _args, context) => session.id === (await context.caller()).sessionId,
};
