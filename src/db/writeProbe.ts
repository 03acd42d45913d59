import type { PrismaClient } from "../generated/prisma/client";

/**
 * Would the application's writes succeed now? One transaction begun exactly as theirs are (a
 * plain BEGIN, so it is read-only wherever theirs would be: default_transaction_read_only, a
 * standby) that, when it may write, takes a transaction id and commits, so that PostgreSQL writes
 * a commit record to its WAL. Taking an id also fails where writes do without the transaction
 * being read-only: a database that stopped assigning them to avoid wraparound. No table is
 * touched, so the probe leaves nothing behind to vacuum.
 */
export async function isWritable(prisma: PrismaClient): Promise<boolean> {
  // CASE, unlike OR, is guaranteed not to evaluate the branch it does not take: a read-only
  // transaction is not asked for an id (a standby would answer with an error, not "read-only").
  const [[row]] = await prisma.$transaction([
    prisma.$queryRaw<Array<{ writable: boolean }>>`
      SELECT CASE WHEN current_setting('transaction_read_only') = 'on' THEN false
                  ELSE txid_current() IS NOT NULL END AS "writable"`,
  ]);
  return row!.writable;
}
