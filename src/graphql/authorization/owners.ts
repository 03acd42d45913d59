import type { User } from "../../generated/prisma/client";
import type { Owners } from "./accessRules";

/**
 * Whose an object is, for fields with `@auth(requires: OWNER_OR_ADMIN)`: a user is their own. A
 * new owned type that protects a field this way adds a line, e.g. `Post: (post: Post) => post.authorId`.
 */
export const owners: Owners = {
  User: (user: User) => user.id,
};
