import type pg from "pg";
import type { User } from "../../generated/prisma/client";
import { userColumns, userOfRow, type SessionUserRow } from "../authCache/sessionStateQuery";
import { giveBackExpressions } from "../limits/loginRateLimiter";
import { rememberExpressions } from "../limits/knownLoginAddresses";
import { SESSION_START } from "../sessions/perUserLimit";

/**
 * A login's statements, sent as named prepared statements through the pool (parsed and planned
 * once per connection) instead of Prisma's compiled queries: the account with what the login needs
 * to know before the hash, then, in the transaction that starts the session, one statement that
 * locks the user and gives the limit's points back and one that writes the rest. With the two
 * counts before the hash and the security events, a login is 8 statements (bench/README.md, change 8).
 */

/**
 * The account with this email, whether it has a second factor, and whether it has logged in from
 * this address ($2, null: no address) since $3. One row whether or not the account exists, so the
 * time it takes tells nothing about accounts.
 */
const ACCOUNT_FOR_LOGIN = {
  name: "auth-login-account",
  text: `SELECT u."id" AS "userId", ${userColumns('u."id"')},
           ($2::text IS NOT NULL AND EXISTS (
             SELECT 1 FROM "KnownLoginAddress" k WHERE k."userId" = u."id" AND k."address" = $2::text AND k."lastLoginAt" > $3::timestamptz
           )) AS "knownAddress"
         FROM (SELECT 1) AS one LEFT JOIN "User" u ON u."email" = $1`,
};

/**
 * The user's row locked for the rest of the transaction (sessions/perUserLimit.ts says why), with
 * the login limits' points given back: they come back when the session commits, and not if it
 * fails. $1 user, $2 the account count's stored key (null: it stands), $3 the address's, $4 now in ms.
 */
const LOCK_AND_GIVE_BACK = {
  name: "auth-login-lock",
  text: `WITH ${giveBackExpressions("$2", "$3", "$4")}
         SELECT "disabledAt" FROM "User" WHERE "id" = $1::uuid FOR UPDATE`,
};

/**
 * The new session, its refresh token and the sessions it ends (SESSION_START, $1 to $12), the
 * address remembered ($13, null: none; $14 the oldest time still known), and a hash made at a
 * higher cost ($15, null: none). Returns the ended sessions' ids.
 */
const LOGIN_WRITES = {
  name: "auth-login-writes",
  text: `WITH ${SESSION_START}, ${rememberExpressions("$1", "$13", "$5", "$14")},
    password_upgrade AS (
      UPDATE "User" SET "passwordHash" = $15::text, "updatedAt" = $5::timestamptz WHERE "id" = $1::uuid AND $15::text IS NOT NULL
    )
    SELECT "id"::text FROM beyond_limit`,
};

export interface AccountForLogin {
  /** Null: no account has this email. */
  user: User | null;
  hasSecondFactor: boolean;
  knownAddress: boolean;
}

export async function readAccountForLogin(
  pool: pg.Pool,
  email: string,
  address: string | null,
  knownSince: Date,
): Promise<AccountForLogin> {
  type Row = { [K in keyof SessionUserRow]: SessionUserRow[K] | null } & { knownAddress: boolean };
  const { rows } = await pool.query<Row>({ ...ACCOUNT_FOR_LOGIN, values: [email, address, knownSince] });
  const row = rows[0]!;
  const user = row.userId === null ? null : userOfRow(row as SessionUserRow);
  return { user, hasSecondFactor: row.hasSecondFactor === true, knownAddress: row.knownAddress };
}

/**
 * Locks the user and gives the points back. Returns the account as the lock found it: undefined
 * when it is gone (deleted after its password was checked), with `disabledAt` set when an admin
 * disabled it meanwhile.
 */
export async function lockForLogin(
  client: pg.ClientBase,
  userId: string,
  keys: { accountKey: string | null; addressKey: string },
  now: number,
): Promise<{ disabledAt: Date | null } | undefined> {
  const { rows } = await client.query<{ disabledAt: Date | null }>({
    ...LOCK_AND_GIVE_BACK,
    values: [userId, keys.accountKey, keys.addressKey, now],
  });
  return rows[0];
}

/** LOGIN_WRITES with its values: SESSION_START's, then the address to remember with its oldest known time, then the upgraded hash. */
export async function writeLogin(
  client: pg.ClientBase,
  sessionStart: unknown[],
  remembered: { address: string | null; oldestKnown: Date },
  upgradedHash: string | undefined,
): Promise<string[]> {
  const { rows } = await client.query<{ id: string }>({
    ...LOGIN_WRITES,
    values: [...sessionStart, remembered.address, remembered.oldestKnown, upgradedHash ?? null],
  });
  return rows.map((row) => row.id);
}
