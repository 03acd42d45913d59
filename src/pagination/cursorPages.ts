import { InputError } from "../errors";
import { isUuid } from "../ids";

/** `first` when a client leaves it out, and the most one page may hold. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** What a client asked for: `first` items after the opaque cursor `after` (Relay's connection arguments). */
export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

/** Where an item sits in a list ordered newest first: its time, then its id to break ties. */
export interface Position {
  at: Date;
  id: string;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Array<Edge<T>>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** What a list's query must fetch: up to `take` items strictly after `after`, newest first. */
export interface PageQuery {
  take: number;
  after: Position | undefined;
}

/**
 * One page of a list ordered by (time desc, id desc), read by keyset: the query continues after
 * the last item seen, so a page costs the same however deep it is and no item is skipped or
 * repeated when items are added meanwhile. One item more than asked tells whether there is a next page.
 */
export async function newestFirstPage<T extends { id: string }>(
  args: PageArgs,
  timeOf: (item: T) => Date,
  fetch: (query: PageQuery) => Promise<T[]>,
): Promise<Connection<T>> {
  const first = pageSize(args.first);
  const after = args.after == null ? undefined : decodeCursor(args.after);
  const rows = await fetch({ take: first + 1, after });
  const edges = rows.slice(0, first).map((node) => ({ cursor: encodeCursor({ at: timeOf(node), id: node.id }), node }));
  return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
}

/** The Prisma filter "after `position`" for a list ordered by `[{ [field]: "desc" }, { id: "desc" }]`. */
export function afterPosition<F extends string>(field: F, position: Position | undefined) {
  if (!position) return {};
  const earlier = { [field]: { lt: position.at } } as Record<F, { lt: Date }>;
  const sameTimeSmallerId = { [field]: position.at, id: { lt: position.id } } as Record<F, Date> & { id: { lt: string } };
  return { OR: [earlier, sameTimeSmallerId] };
}

function pageSize(first: number | null | undefined): number {
  if (first == null) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw new InputError("first", `first must be between 1 and ${MAX_PAGE_SIZE}.`);
  }
  return first;
}

// Opaque to clients (base64url), plain inside: milliseconds and id. Not signed: a made-up cursor
// only moves where a list starts, and every list still filters by what the caller may see.
function encodeCursor(position: Position): string {
  return Buffer.from(`${position.at.getTime()}:${position.id}`).toString("base64url");
}

/**
 * The last millisecond of year 9999: the latest time Prisma writes as an ISO string PostgreSQL
 * reads (a later one needs a six-digit year, which fails the query). A cursor holds no earlier
 * time than 1970, since it has no sign.
 */
const LATEST_CURSOR_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

function decodeCursor(cursor: string): Position {
  const match = /^(\d{1,15}):(.+)$/.exec(cursor.length <= 100 ? Buffer.from(cursor, "base64url").toString("utf8") : "");
  const at = Number(match?.[1]);
  if (!match || !isUuid(match[2]!) || !(at <= LATEST_CURSOR_TIME)) throw new InputError("after", "This is not a cursor from this list.");
  return { at: new Date(at), id: match[2]! };
}
