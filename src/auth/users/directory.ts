import type { PrismaClient, User } from "../../generated/prisma/client";
import { InputError } from "../../errors";
import { afterPosition, newestFirstPage, type Connection, type PageArgs } from "../../pagination/cursorPages";

export const SEARCH_MAX_CHARACTERS = 100;

export interface UserPageArgs extends PageArgs {
  /** Part of an email or name, any letter case. */
  search?: string | null;
}

/** Reading users: by id for a page of posts' authors, and the admins' list. */
export class UserDirectory {
  constructor(private readonly prisma: PrismaClient) {}

  /** The users with these ids, in the same order, null where an id names nobody: one query for many ids. */
  async byIds(ids: readonly string[]): Promise<Array<User | null>> {
    const users = await this.prisma.user.findMany({ where: { id: { in: [...ids] } } });
    const byId = new Map(users.map((user) => [user.id, user]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /** Every user, newest first; `search` keeps those whose email or name contains it. */
  page({ search, ...args }: UserPageArgs): Promise<Connection<User>> {
    const term = search?.trim() ?? "";
    if ([...term].length > SEARCH_MAX_CHARACTERS)
      throw new InputError("search", `search must have at most ${SEARCH_MAX_CHARACTERS} characters.`);
    const contains = { contains: literally(term), mode: "insensitive" as const };
    const matching = term ? { OR: [{ email: contains }, { name: contains }] } : {};
    return newestFirstPage(
      args,
      (user) => user.createdAt,
      ({ take, after }) =>
        this.prisma.user.findMany({
          where: { AND: [matching, afterPosition("createdAt", after)] },
          orderBy: [{ createdAt: "desc" }, { id: "desc" }],
          take,
        }),
    );
  }
}

/**
 * Prisma's `contains` becomes ILIKE without escaping the pattern's wildcards, so a search for "%"
 * or "_" would match everyone; escaped (backslash is PostgreSQL's LIKE escape), they match themselves.
 */
function literally(term: string): string {
  return term.replace(/[\\%_]/g, "\\$&");
}
