import type pg from "pg";
import type { PrismaClient } from "../../src/generated/prisma/client";
import { waitUntil } from "./waitUntil";

/** Returns once some other connection waits for a lock that `holder` holds (asked through `prisma`, a connection of its own). */
export async function waitUntilBlockedBy(prisma: PrismaClient, holder: pg.Client): Promise<void> {
  const { pid } = (await holder.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!;
  await waitUntil(async () => {
    const [{ waiting }] = await prisma.$queryRaw<[{ waiting: bigint }]>`
      SELECT count(*) AS waiting FROM pg_stat_activity WHERE ${pid}::int = ANY(pg_blocking_pids("pid"))`;
    return waiting > 0n;
  }, "something waits for the lock");
}
