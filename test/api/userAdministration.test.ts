import crypto from "node:crypto";
import pg from "pg";
import { run, childEnv } from "../support/childProcess";
import {
  DisableUserDocument,
  EnableUserDocument,
  SetUserRoleDocument,
  UsersDocument,
  type TypedDocumentString,
} from "../support/generated/graphql";
import { graphql, LOGIN, logIn, ME, PASSWORD, REFRESH, signUp, uniqueEmail, type AuthPayload } from "../support/graphqlClient";
import { waitUntilBlockedBy } from "../support/lockWaits";
import { passkeyLogin, registerPasskey } from "../support/passkeys";
import { SoftwareAuthenticator } from "../support/softwareAuthenticator";
import { useTestServer } from "../support/testServer";

describe("the admin surface", () => {
  const app = useTestServer();
  const as =
    (account: AuthPayload | undefined) =>
    <R, V>(document: TypedDocumentString<R, V>, variables?: V) =>
      graphql(app.url, document, variables, account ? { token: account.accessToken } : {});
  const FORBIDDEN_ADMIN_ONLY = { code: "FORBIDDEN", reason: "ADMIN_ONLY" };
  const ACCOUNT_DISABLED = { code: "FORBIDDEN", reason: "ACCOUNT_DISABLED" };

  /** The first admin comes from the command line, exactly as an operator makes one. */
  async function firstAdmin(): Promise<AuthPayload> {
    const account = await signUp(app.url, { name: "Admin" });
    const promoted = await run("npm", ["run", "--silent", "user:promote", "--", account.user.email.toUpperCase()], adminCommandEnv());
    expect(promoted).toMatchObject({ code: 0, stderr: "" });
    expect(promoted.stdout).toContain(`${account.user.email} (${account.user.id}) is now an admin`);
    return account;
  }

  test("npm run user:promote refuses an unknown email and a missing argument", async () => {
    const unknown = await run("npm", ["run", "--silent", "user:promote", "--", uniqueEmail("nobody")], adminCommandEnv());
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^There is no account with the email nobody-.*@example\.com\.\n$/);
    const missing = await run("npm", ["run", "--silent", "user:promote"], adminCommandEnv());
    expect(missing).toMatchObject({ code: 1, stderr: "Usage: npm run user:promote -- <email>\n" });
  });

  test("users: admins page through and search every account; users are FORBIDDEN, anonymous callers UNAUTHENTICATED", async () => {
    const admin = await firstAdmin();
    const tag = crypto.randomUUID().slice(0, 8);
    const named = [];
    for (const name of [`Zed ${tag} one`, `zed ${tag.toUpperCase()} two`, `ZED ${tag} three`]) named.push(await signUp(app.url, { name }));
    await signUp(app.url, { name: "Someone else" });

    const first = await as(admin)(UsersDocument, { first: 2, search: ` ${tag} ` });
    expect(first.errors).toBeUndefined();
    expect(first.data!.users.pageInfo.hasNextPage).toBe(true);
    const second = await as(admin)(UsersDocument, { first: 2, search: tag, after: first.data!.users.pageInfo.endCursor });
    expect(second.data!.users.pageInfo).toEqual({ hasNextPage: false, endCursor: second.data!.users.edges[0]!.cursor });
    const found = [...first.data!.users.edges, ...second.data!.users.edges].map((edge) => edge.node);
    // Newest first, with what only admins see.
    expect(found).toEqual(
      named
        .reverse()
        .map((account) => ({ id: account.user.id, email: account.user.email, name: account.user.name, role: "USER", disabledAt: null })),
    );

    // Wildcards of SQL's LIKE are plain characters in a search: each user found has the term itself
    // in the email or name (other test files make such accounts too: "%" and "_" are valid in emails).
    for (const wildcard of ["%", "_", "\\"]) {
      const { data } = await as(admin)(UsersDocument, { first: 100, search: wildcard });
      const withoutTerm = data!.users.edges.filter(({ node }) => !`${node.email ?? ""} ${node.name}`.includes(wildcard));
      expect(withoutTerm).toEqual([]);
    }
    expect((await as(admin)(UsersDocument, { first: 100, search: `${tag}%` })).data!.users.edges).toEqual([]);

    expect((await as(admin)(UsersDocument, { search: "x".repeat(101) })).errors![0]!.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "search",
    });
    expect((await as(named[0])(UsersDocument)).errors![0]!.extensions).toEqual(FORBIDDEN_ADMIN_ONLY);
    expect((await as(undefined)(UsersDocument)).errors![0]!.extensions).toEqual({ code: "UNAUTHENTICATED", reason: "NOT_AUTHENTICATED" });
  });

  test("setUserRole holds from the user's next request, with the same token; nobody changes their own role", async () => {
    const admin = await firstAdmin();
    const ada = await signUp(app.url);
    expect((await as(ada)(UsersDocument, { first: 1 })).errors![0]!.extensions).toEqual(FORBIDDEN_ADMIN_ONLY);

    expect((await as(admin)(SetUserRoleDocument, { id: ada.user.id, role: "ADMIN" })).data).toEqual({
      setUserRole: { id: ada.user.id, role: "ADMIN" },
    });
    expect((await as(ada)(UsersDocument, { first: 1 })).errors).toBeUndefined();
    expect((await as(ada)(ME)).data!.me.role).toBe("ADMIN");

    expect((await as(ada)(SetUserRoleDocument, { id: admin.user.id, role: "USER" })).data!.setUserRole.role).toBe("USER");
    expect((await as(admin)(UsersDocument, { first: 1 })).errors![0]!.extensions).toEqual(FORBIDDEN_ADMIN_ONLY);

    const own = await as(ada)(SetUserRoleDocument, { id: ada.user.id, role: "USER" });
    expect(own.errors![0]!.extensions).toEqual({ code: "BAD_USER_INPUT", field: "id", reason: "OWN_ACCOUNT" });
    expect((await as(ada)(SetUserRoleDocument, { id: crypto.randomUUID(), role: "USER" })).errors![0]!.extensions).toEqual({
      code: "BAD_USER_INPUT",
      field: "id",
      reason: "NOT_FOUND",
    });
    expect((await as(ada)(SetUserRoleDocument, { id: "admin", role: "ADMIN" })).errors![0]!.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "id",
    });
  });

  /**
   * Runs `signIn` across a disabling: the disabling is written as disableUser writes it (the user's
   * row locked and changed, the sessions ended) and held uncommitted; `signIn` checks the account
   * as it was (enabled) and its proof, then waits for the user's row; the disabling commits while
   * it waits. Returns what `signIn` answered.
   */
  async function acrossDisabling<T>(userId: string, signIn: () => Promise<T>): Promise<T> {
    const disabling = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await disabling.connect();
    try {
      await disabling.query("BEGIN");
      await disabling.query(`UPDATE "User" SET "disabledAt" = now(), "tokenVersion" = "tokenVersion" + 1 WHERE "id" = $1`, [userId]);
      await disabling.query(
        `UPDATE "Session" SET "revokedAt" = now(), "revokedReason" = 'USER_DISABLED' WHERE "userId" = $1 AND "revokedAt" IS NULL`,
        [userId],
      );
      const answer = signIn();
      await waitUntilBlockedBy(app.prisma, disabling);
      await disabling.query("COMMIT");
      return await answer;
    } finally {
      await disabling.end();
    }
  }

  test("a login that checked the password before a disabling committed starts no session after it", async () => {
    const ada = await signUp(app.url);
    const login = await acrossDisabling(ada.user.id, () =>
      graphql(app.url, LOGIN, { input: { email: ada.user.email, password: PASSWORD } }),
    );
    expect(login.errors![0]!.extensions).toEqual(ACCOUNT_DISABLED);
    expect(await app.prisma.session.count({ where: { userId: ada.user.id, revokedAt: null } })).toBe(0);
  });

  test("so does a passkey login (and every sign-in that starts its session as it does)", async () => {
    const ada = await signUp(app.url);
    const authenticator = new SoftwareAuthenticator({ origin: "http://localhost:4000" });
    await registerPasskey(app.url, ada.accessToken, authenticator);
    const login = await acrossDisabling(ada.user.id, () => passkeyLogin(app.url, authenticator, ada.user.email));
    expect(login.errors![0]!.extensions).toEqual(ACCOUNT_DISABLED);
    expect(await app.prisma.session.count({ where: { userId: ada.user.id, revokedAt: null } })).toBe(0);
  });

  test("disableUser ends every session at once and refuses login and refresh; enableUser lets the user log in again", async () => {
    const admin = await firstAdmin();
    const ada = await signUp(app.url);
    const phone = await logIn(app.url, ada.user.email);
    expect((await as(ada)(ME)).errors).toBeUndefined();

    const disabled = await as(admin)(DisableUserDocument, { id: ada.user.id });
    expect(disabled.data!.disableUser).toEqual({ id: ada.user.id, disabledAt: expect.any(String) });
    // Disabling again changes nothing.
    expect((await as(admin)(DisableUserDocument, { id: ada.user.id })).data).toEqual(disabled.data);

    for (const session of [ada, phone]) {
      expect((await as(session)(ME)).errors![0]!.extensions).toEqual(ACCOUNT_DISABLED);
      expect((await graphql(app.url, REFRESH, { token: session.refreshToken })).errors![0]!.extensions).toEqual(ACCOUNT_DISABLED);
    }
    const sessions = await app.prisma.session.findMany({ where: { userId: ada.user.id } });
    expect(sessions.map((session) => session.revokedReason)).toEqual(["USER_DISABLED", "USER_DISABLED"]);
    const login = (password: string) => graphql(app.url, LOGIN, { input: { email: ada.user.email, password } });
    expect((await login(PASSWORD)).errors![0]!.extensions).toEqual(ACCOUNT_DISABLED);
    // Without the password, a disabled account looks like any other wrong login.
    expect((await login("not the password at all")).errors![0]!.extensions).toEqual({
      code: "UNAUTHENTICATED",
      reason: "INVALID_CREDENTIALS",
    });

    expect((await as(admin)(EnableUserDocument, { id: ada.user.id })).data).toEqual({ enableUser: { id: ada.user.id, disabledAt: null } });
    // The ended sessions stay ended; a new login works.
    expect((await as(ada)(ME)).errors![0]!.extensions).toEqual({ code: "UNAUTHENTICATED", reason: "SESSION_ENDED" });
    const again = await logIn(app.url, ada.user.email);
    expect((await as(again)(ME)).data!.me.id).toBe(ada.user.id);

    const own = await as(admin)(DisableUserDocument, { id: admin.user.id });
    expect(own.errors![0]!.extensions).toEqual({ code: "BAD_USER_INPUT", field: "id", reason: "OWN_ACCOUNT" });
    expect((await as(admin)(DisableUserDocument, { id: crypto.randomUUID() })).errors![0]!.extensions).toMatchObject({
      reason: "NOT_FOUND",
    });
    expect((await as(again)(DisableUserDocument, { id: admin.user.id })).errors![0]!.extensions).toEqual(FORBIDDEN_ADMIN_ONLY);
  });
});

/** `npm run user:promote` against the test run's database, which is migrated already. */
function adminCommandEnv() {
  return childEnv({ DATABASE_URL: process.env.TEST_DATABASE_URL!, MIGRATE_ON_START: "false" });
}
