import pg from "pg";
import { SESSION_READ_STATEMENT } from "../../src/auth/authCache/sessionStateQuery";

/**
 * Counts the SQL statements that this process sends to PostgreSQL while `action` runs, by
 * wrapping node-postgres's Client#query, which every pooled query goes through (Prisma's driver
 * adapter included). For an in-process test server with nothing else running, that is the cost
 * of one request, measured on the real database. Not counted: the auth change listener's
 * catch-up (an empty query on its own connection, sent before a cached session is trusted), which
 * is no statement, and the request's authentication read, made only when the caller's session is
 * not in the auth cache at that moment: it depends on the cache, not on the operation measured.
 */
export async function countStatements(action: () => Promise<unknown>): Promise<number> {
  return (await statementsDuring(action)).length;
}

/** The text of each statement countStatements counts, in the order they were sent. */
export async function statementsDuring(action: () => Promise<unknown>): Promise<string[]> {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- put back below; the wrapper calls it with its own `this`.
  const original = pg.Client.prototype.query;
  const statements: string[] = [];
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [query] = args;
    const text = typeof query === "string" ? query : ((query as { text?: string } | null)?.text ?? "");
    const isAuthentication = typeof query === "object" && query !== null && (query as { name?: unknown }).name === SESSION_READ_STATEMENT;
    if (query !== "" && !isAuthentication) statements.push(text);
    return (original as (...args: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    await action();
  } finally {
    pg.Client.prototype.query = original;
  }
  return statements;
}
