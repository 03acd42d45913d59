import type { Caller } from "../../auth/types";
import { ForbiddenError, ForbiddenReason } from "../../errors";
import type { GraphQLContext } from "../context";

/** The values of schema.graphql's `enum AccessRule`. */
export type AccessRule = "USER" | "FIRST_FACTOR" | "ADMIN" | "OWNER_OR_ADMIN";

/** Who owns an object of some type: the id of the user whose it is. */
export type OwnerOf = (parent: never) => string;

/**
 * Passes (returning undefined, or a promise that resolves), or throws or rejects with the refusal
 * the client sees. Runs before the field's resolver. Synchronous once the request's caller is
 * known: a field that graphql-js can complete without a promise stays that way, which keeps the
 * rules' cost on `me` to a few percent (`npm run bench`).
 */
export type AccessCheck = (parent: unknown, context: GraphQLContext) => Promise<void> | undefined;

/** Runs `decide` on the caller: at once when known, else once found. context.caller() throws UNAUTHENTICATED or ACCOUNT_DISABLED. */
function withCaller(context: GraphQLContext, decide: (caller: Caller) => void): Promise<void> | undefined {
  const known = context.knownCaller();
  if (!known) return context.caller().then(decide);
  decide(known);
  return undefined;
}

/**
 * Every rule but FIRST_FACTOR starts here: a session of an account with a second factor that it
 * has not verified (level 1) is refused, whatever else the rule would allow (default deny).
 */
function requireSecondFactorIfAny(context: GraphQLContext, caller: Caller): void {
  if (context.services.assurance.awaitsSecondFactor(caller)) throw new ForbiddenError(ForbiddenReason.SECOND_FACTOR_REQUIRED);
}

/** A valid access token, of a session at level 1 too. */
export const signedInAtAnyLevel: AccessCheck = (_parent, context) => withCaller(context, () => undefined);

/** A valid access token, of a session that has verified the account's second factor if it has one. */
export const signedIn: AccessCheck = (_parent, context) => withCaller(context, (caller) => requireSecondFactorIfAny(context, caller));

/**
 * A signed-in admin. The role is read with the session on every request, so a change holds from
 * the next one. With REQUIRE_ADMIN_SECOND_FACTOR, only from a level-2 session.
 */
export const admin: AccessCheck = (_parent, context) =>
  withCaller(context, (caller) => {
    requireSecondFactorIfAny(context, caller);
    if (caller.user.role !== "ADMIN") throw new ForbiddenError(ForbiddenReason.ADMIN_ONLY);
    if (!context.services.assurance.mayActAsAdmin(caller)) throw new ForbiddenError(ForbiddenReason.SECOND_FACTOR_REQUIRED);
  });

/**
 * The owner of the parent object, or an admin. A user this request has just proven to be (by a
 * password or a refresh token: signup, login, refreshToken) owns what it answers with, so the
 * AuthPayload of a login shows the user's own email without an Authorization header.
 */
export function ownerOrAdmin(ownerOf: OwnerOf): AccessCheck {
  return (parent, context) => {
    const owner = ownerOf(parent as never);
    if (context.provenUserIds.has(owner)) return undefined;
    return withCaller(context, (caller) => {
      requireSecondFactorIfAny(context, caller);
      const { user } = caller;
      if (user.id === owner) return;
      if (user.role !== "ADMIN") throw new ForbiddenError(ForbiddenReason.NOT_OWNER);
      if (!context.services.assurance.mayActAsAdmin(caller)) throw new ForbiddenError(ForbiddenReason.SECOND_FACTOR_REQUIRED);
    });
  };
}

/**
 * Step-up (@recentSecondFactor), after the field's rule has passed: an account with a second
 * factor needs it verified in this session within RECENT_SECOND_FACTOR_MAX_AGE.
 */
export const recentSecondFactor: AccessCheck = (_parent, context) =>
  withCaller(context, (caller) => {
    if (!context.services.assurance.hasRecentSecondFactor(caller)) throw new ForbiddenError(ForbiddenReason.RECENT_SECOND_FACTOR_REQUIRED);
  });
