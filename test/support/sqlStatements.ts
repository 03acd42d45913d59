import pg from "pg";

/**
 * Counts the SQL statements that this process sends to PostgreSQL while `action` runs, by
 * wrapping node-postgres's Client#query, which every pooled query goes through (Prisma's driver
 * adapter included). For an in-process test server with nothing else running, that is the cost
 * of one request, measured on the real database. The auth change listener's catch-up (an empty
 * query on its own connection, sent before a cached session is trusted) is no statement and is
 * not counted.
 */
export async function countStatements(action: () => Promise<unknown>): Promise<number> {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- put back below; the wrapper calls it with its own `this`.
  const original = pg.Client.prototype.query;
  let count = 0;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    if (args[0] !== "") count++;
    return (original as (...args: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    await action();
  } finally {
    pg.Client.prototype.query = original;
  }
  return count;
}
