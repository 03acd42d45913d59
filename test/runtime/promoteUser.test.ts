import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { childEnv, run } from "../support/childProcess";
import { startChildServer, type ChildServer } from "../support/childServer";
import { MySecurityEventsDocument } from "../support/generated/graphql";
import { graphql, ME, signUp, uniqueEmail } from "../support/graphqlClient";
import { LONG_TEST_TIMEOUT_MS } from "../support/timeouts";

/** Every failure of the command: exit code 1 and exactly one line on stderr. */
const ONE_LINE = /^[^\n]+\n$/;

describe("npm run user:promote with the embedded PostgreSQL", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "auth-api-promote-"));
  const env = { DATABASE_URL: "", DATA_DIR: dataDir };
  const promote = (email: string) => run("npm", ["run", "--silent", "user:promote", "--", email], childEnv(env));
  const pidFile = path.join(dataDir, "postgres", "postmaster.pid");
  let server: ChildServer | undefined;
  afterAll(async () => {
    await server?.stop("SIGKILL");
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test(
    "while the server runs on DATA_DIR, it uses the server's PostgreSQL; an unknown email exits 1 with one line",
    async () => {
      server = await startChildServer({ ...env, MIGRATE_ON_START: "true" });
      const account = await signUp(server.url);

      const promoted = await promote(account.user.email);
      expect(promoted).toMatchObject({ code: 0, stderr: "" });
      expect(promoted.stdout).toContain(`${account.user.email} (${account.user.id}) is now an admin`);
      const me = await graphql(server.url, ME, undefined, { token: account.accessToken });
      expect(me.data!.me.role).toBe("ADMIN");
      // Its security event: the command line acted, so no actor, address or session.
      const events = await graphql(server.url, MySecurityEventsDocument, { first: 1 }, { token: account.accessToken });
      const [roleChanged] = events.data!.mySecurityEvents.edges.map((edge) => edge.node);
      expect(roleChanged).toMatchObject({ kind: "ROLE_CHANGED", actorId: null, ip: null, userAgent: null, sessionId: null });
      expect(JSON.parse(roleChanged!.detail!)).toEqual({ from: "USER", to: "ADMIN" });

      const unknown = await promote(uniqueEmail("nobody"));
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/^There is no account with the email nobody-.*@example\.com\.\n$/);

      // The server's PostgreSQL was used, not stopped: it still serves.
      expect((await graphql(server.url, ME, undefined, { token: account.accessToken })).data!.me.id).toBe(account.user.id);
      expect(await server.stop()).toBe(0);
    },
    LONG_TEST_TIMEOUT_MS,
  );

  test(
    "with no server running, it starts PostgreSQL and stops it again; one that cannot start exits 1 with one line",
    async () => {
      const unknown = await promote(uniqueEmail("nobody"));
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/^There is no account with the email nobody-.*@example\.com\.\n$/);
      expect(fs.existsSync(pidFile)).toBe(false);

      fs.appendFileSync(path.join(dataDir, "postgres", "postgresql.conf"), "\nshared_buffers = 'not a size'\n");
      const broken = await promote(uniqueEmail("nobody"));
      expect(broken.code).toBe(1);
      expect(broken.stderr).toMatch(ONE_LINE);
      expect(broken.stderr).toContain(`The embedded PostgreSQL in ${path.join(dataDir, "postgres")} did not start: configuration file`);
    },
    LONG_TEST_TIMEOUT_MS,
  );
});
