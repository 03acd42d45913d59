import type pg from "pg";

/**
 * Runs `work` in a transaction on one connection of the pool, for hot paths that send prepared
 * statements themselves instead of going through Prisma. Commits when `work` resolves, rolls back
 * when it throws. A connection whose rollback fails is in an unknown state: it is closed, not
 * returned to the pool.
 */
export async function inPoolTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
