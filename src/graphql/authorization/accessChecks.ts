import { ForbiddenError, ForbiddenReason } from "../../errors";
import type { GraphQLContext } from "../context";

/** The values of schema.graphql's `enum AccessRule`. */
export type AccessRule = "USER" | "ADMIN" | "OWNER_OR_ADMIN";

/** Who owns an object of some type: the id of the user whose it is. */
export type OwnerOf = (parent: never) => string;

/** Passes, or throws the refusal the client sees. Runs before the field's resolver. */
export type AccessCheck = (parent: unknown, context: GraphQLContext) => Promise<void>;

/** A valid access token; context.caller() throws UNAUTHENTICATED (with its reason) or ACCOUNT_DISABLED otherwise. */
export const signedIn: AccessCheck = async (_parent, context) => {
  await context.caller();
};

/** A signed-in admin. The role is read with the session on every request, so a change holds from the next one. */
export const admin: AccessCheck = async (_parent, context) => {
  const { user } = await context.caller();
  if (user.role !== "ADMIN") throw new ForbiddenError(ForbiddenReason.ADMIN_ONLY);
};

/**
 * The owner of the parent object, or an admin. A user this request has just proven to be (by a
 * password or a refresh token: signup, login, refreshToken) owns what it answers with, so the
 * AuthPayload of a login shows the user's own email without an Authorization header.
 */
export function ownerOrAdmin(ownerOf: OwnerOf): AccessCheck {
  return async (parent, context) => {
    const owner = ownerOf(parent as never);
    if (context.provenUserIds.has(owner)) return;
    const { user } = await context.caller();
    if (user.id !== owner && user.role !== "ADMIN") throw new ForbiddenError(ForbiddenReason.NOT_OWNER);
  };
}
