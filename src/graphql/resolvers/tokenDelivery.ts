import type { AuthResult } from "../../auth/types";
import type { GraphQLContext } from "../context";
import type { RefreshTokenDelivery } from "../generated/resolverTypes";

/**
 * Puts the refresh token where the client asked: in the response body (mobile apps, servers) or
 * in an HttpOnly cookie that page scripts cannot read (browsers), in which case the body has null.
 * The request has proven to be the payload's user, who may read it (GraphQLContext.provenUserIds).
 */
export function deliver(result: AuthResult, delivery: RefreshTokenDelivery | null | undefined, context: GraphQLContext) {
  context.provenUserIds.add(result.user.id);
  if (delivery !== "COOKIE") return result;
  context.refreshCookieOut.change = { kind: "set", token: result.refreshToken, expiresAt: result.refreshTokenExpiresAt };
  return { ...result, refreshToken: null };
}

/** Logging out also removes the cookie, if the browser has one. */
export function forgetRefreshTokenCookie(context: GraphQLContext): void {
  if (context.refreshCookieIn !== undefined) context.refreshCookieOut.change = { kind: "clear" };
}
