import { spawn } from "node:child_process";
import path from "node:path";
import type { RunningApp } from "../../src/app";
import { PROJECT_ROOT } from "../../src/projectRoot";
import { childEnv, run, stop, type Finished } from "../support/childProcess";
import { RequestPasswordResetDocument } from "../support/generated/graphql";
import { graphql, LOGIN, LOGOUT_ALL, ME, PASSWORD, logIn, sessionIdOf, signUp, uniqueEmail } from "../support/graphqlClient";
import { enrollTotp, untilStepHasLeft } from "../support/secondFactor";
import { mailedLink, startSmtpServer, type TestSmtpServer } from "../support/smtpServer";
import { startTestServer, useTestServer } from "../support/testServer";
import { waitUntil } from "../support/waitUntil";

/**
 * `npm run example`, exactly as README.md gives it, with the arguments after `--`; `input` is typed
 * in when ready. DATA_DIR is the test servers', as when the API runs from the same shell.
 */
function runExample(args: string[], input?: Promise<string>): Promise<Finished> {
  return run("npm", ["run", "--silent", "example", "--", ...args], childEnv({ DATA_DIR: process.env.TEST_DATA_DIR! }), input);
}

/** `npm run example` still running, with what it has printed so far. */
interface RunningExample {
  stdout(): string;
  /** Resolves once it has exited and its output is read. */
  finished: Promise<Finished>;
  stop(): Promise<void>;
}

/** Starts `npm run example` with `args`, as runExample does, and leaves it running. */
function startExample(args: string[]): RunningExample {
  const child = spawn("npm", ["run", "--silent", "example", "--", ...args], {
    cwd: PROJECT_ROOT,
    env: childEnv({ DATA_DIR: process.env.TEST_DATA_DIR! }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const finished = new Promise<Finished>((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
  return { stdout: () => stdout, finished, stop: () => stop(child) };
}

/** How often `text` occurs in `within`. */
const occurrences = (within: string, text: string) => within.split(text).length - 1;

describe("npm run example (examples/node-client)", () => {
  const app = useTestServer();

  test("tells the whole story against a real server: refused, signed up, me, a post, refreshed, logged out, refused", async () => {
    const email = uniqueEmail("story");
    const { code, stdout, stderr } = await runExample(["--url", app.url, "--email", email, "--password", PASSWORD, "--name", "Ada"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const steps = stdout.split(/\n(?=\d+\. )/).slice(1);
    expect(steps).toHaveLength(9);
    expect(steps[0]).toMatch(/^1\. Ask `me` without a token\n {3}refused: UNAUTHENTICATED \(NOT_AUTHENTICATED\) "You must be logged in\."/);
    expect(steps[1]).toContain(`2. Sign up as ${email} (or log in, when that account exists)\n   signed up: Ada <${email}>, role USER`);
    expect(steps[2]).toContain(`me: Ada <${email}>`);
    expect(steps[3]).toMatch(/^4\. Write a post.*\n {3}created: "Hello from the example" \(draft\), id [0-9a-f-]{36}$/);
    expect(steps[4]).toMatch(
      /^5\. Publish it.*\n {3}published: "Hello from the example" \(published \S+\), id [0-9a-f-]{36}\n {3}my post: "Hello/,
    );
    expect(steps[5]).toMatch(
      /^6\. Exchange the refresh token.*\n {3}access token …\S{8} valid until \S+\n {3}refresh token …\S{8} valid until/,
    );
    expect(steps[6]).toContain(`me: Ada <${email}>`);
    expect(steps[7]).toContain("8. Log out\n   logged out");
    expect(steps[8]).toMatch(/^9\. Ask `me` with the same access token\n {3}refused: UNAUTHENTICATED \(SESSION_ENDED\)/);
    expect(stdout).toContain("The story went as expected.");

    const user = await app.prisma.user.findUniqueOrThrow({ where: { email }, include: { sessions: true, posts: true } });
    expect(user.sessions).toHaveLength(1);
    expect(user.sessions[0]!.revokedAt).not.toBeNull();
    expect(user.posts).toEqual([expect.objectContaining({ title: "Hello from the example", publishedAt: expect.any(Date) })]);
  });

  test("told again for the same email, it logs in instead of signing up", async () => {
    const { user } = await signUp(app.url, { name: "Earlier" });
    const again = await runExample(["--url", app.url, "--email", user.email, "--password", PASSWORD]);
    expect(again.stderr).toBe("");
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`that email is taken: logging in instead\n   logged in: Earlier <${user.email}>`);
    expect(again.stdout).toContain("The story went as expected.");
    expect(await app.prisma.user.count({ where: { email: user.email } })).toBe(1);
  });

  test("an account with two-step sign-in: --totp-secret gives the app's code as the second step; without it, it says what to pass", async () => {
    const { user, accessToken } = await signUp(app.url, { name: "Two Step" });
    // Confirmed with the previous 30-second step's code, so that the example's code of the current step is a new one.
    await untilStepHasLeft(20_000);
    const { secret } = await enrollTotp(app.url, accessToken, Date.now() - 30_000);

    const without = await runExample(["--url", app.url, "--email", user.email, "--password", PASSWORD]);
    expect(without.code).toBe(1);
    expect(without.stderr).toContain("this account has two-step sign-in: pass the secret of its authenticator app with --totp-secret.");

    const { code, stdout, stderr } = await runExample([
      "--url",
      app.url,
      "--email",
      user.email,
      "--password",
      PASSWORD,
      "--totp-secret",
      secret,
    ]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain("two-step sign-in: the password opened a level-1 session; sending the app's code\n   second factor verified");
    expect(stdout).toContain(`me: Two Step <${user.email}>`);
    expect(stdout).toContain("The story went as expected.");
  });

  test("with a wrong password for an existing account it stops with the API's error and exits 1", async () => {
    const { user } = await signUp(app.url);
    const { code, stderr } = await runExample(["--url", app.url, "--email", user.email, "--password", "not the password at all"]);
    expect(code).toBe(1);
    expect(stderr).toContain('The story stopped: UNAUTHENTICATED (INVALID_CREDENTIALS) "Wrong email or password."');
  });

  test("--help prints its usage; an unknown option says so, with the usage, and exits 1", async () => {
    const help = await runExample(["--help"]);
    expect(help).toMatchObject({ code: 0, stderr: "" });
    expect(help.stdout).toMatch(/^Usage:\n {2}npm run example -- \[--url URL\]/);
    expect(help.stdout).toContain("npm run example -- --reset EMAIL --new-password PASSWORD");
    expect(help.stdout).toContain("-h, --help");

    const unknown = await runExample(["--bogus"]);
    expect(unknown).toMatchObject({ code: 1, stdout: "" });
    expect(unknown.stderr).toMatch(/^Unknown option '--bogus'.*\n\nUsage:\n/);
    expect(unknown.stderr).not.toMatch(/\n\s+at /); // no stack
  });

  test("with no server at the URL it says so and exits 1", async () => {
    const { code, stderr } = await runExample(["--url", "http://127.0.0.1:1/graphql"]);
    expect(code).toBe(1);
    expect(stderr).toContain("is the API running at http://127.0.0.1:1/graphql?");
  });
});

describe("npm run example -- --reset (examples/node-client)", () => {
  const NEW_PASSWORD = "a brand new passphrase";
  let smtp: TestSmtpServer;
  let app: RunningApp;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    app = await startTestServer({ SMTP_URL: smtp.url });
  });
  afterAll(async () => {
    await app?.stop();
    await smtp?.stop();
  });

  /** Signs up and takes the verification mail that signup sends, so that the next mail is the reset's. */
  async function signUpAndTakeItsMail() {
    const account = await signUp(app.url, { name: "Ada" });
    await smtp.nextMailTo(account.user.email);
    return account;
  }

  /** The link of the next mail to `email`, which must be a password reset's. */
  async function resetLinkMailedTo(email: string): Promise<string> {
    const mail = await smtp.nextMailTo(email);
    expect(mail.subject).toBe("Reset your password");
    return mailedLink(mail);
  }

  test("asks for a link, takes it as pasted from the mail, sets the new password and shows me in the new session", async () => {
    const { user, accessToken } = await signUpAndTakeItsMail();
    // Pasted once it has arrived at the SMTP server, as a user would.
    const pasted = resetLinkMailedTo(user.email).then((link) => `  ${link}\n`);
    const { code, stdout, stderr } = await runExample(["--url", app.url, "--reset", user.email, "--new-password", NEW_PASSWORD], pasted);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const steps = stdout.split(/\n(?=\d+\. )/).slice(1);
    expect(steps).toHaveLength(4);
    expect(steps[0]).toMatch(new RegExp(`^1\\. Ask for a password reset link for ${user.email}\n {3}requestPasswordReset: true`));
    expect(steps[0]).toContain(`.eml file under ${path.join(process.env.TEST_DATA_DIR!, "mail")}/ and logs its link`);
    expect(steps[1]).toBe("2. Paste the link from the mail (or only its token), then press Enter:");
    expect(steps[2]).toMatch(
      new RegExp(
        `^3\\. Set the new password .*\n {3}new session for Ada <${user.email}>, role USER.*\n {3}access token …\\S{8} valid until`,
      ),
    );
    expect(steps[3]).toMatch(new RegExp(`^4\\. Ask \`me\` with the new access token\n {3}me: Ada <${user.email}>, role USER`));
    expect(stdout).toContain("The password is reset; log in with the new one from now on.");

    // The session from before the reset has ended; only the new password logs in.
    expect((await graphql(app.url, ME, {}, { token: accessToken })).errors?.[0]?.extensions?.reason).toBe("SESSION_ENDED");
    const oldPassword = await graphql(app.url, LOGIN, { input: { email: user.email, password: PASSWORD } });
    expect(oldPassword.errors?.[0]?.extensions?.reason).toBe("INVALID_CREDENTIALS");
    const newPassword = await graphql(app.url, LOGIN, { input: { email: user.email, password: NEW_PASSWORD } });
    expect(newPassword.data?.login.user.id).toBe(user.id);
  });

  test("--link takes a link asked for earlier; used again, it stops with the API's reason and exits 1", async () => {
    const { user } = await signUpAndTakeItsMail();
    await graphql(app.url, RequestPasswordResetDocument, { email: user.email });
    const link = await resetLinkMailedTo(user.email);
    const args = ["--url", app.url, "--link", link, "--new-password", NEW_PASSWORD];

    const first = await runExample(args);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).not.toContain("Paste the link");
    expect(first.stdout).toContain(`me: Ada <${user.email}>`);

    const again = await runExample(args);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('The story stopped: BAD_USER_INPUT (LINK_USED) "This link has already been used. Ask for a new one."');
  });

  test("without --new-password, or with no link pasted, it says what is missing and exits 1", async () => {
    const noPassword = await runExample(["--url", app.url, "--reset", uniqueEmail("nobody")]);
    expect(noPassword.code).toBe(1);
    expect(noPassword.stderr).toContain("--reset and --link need the password to set: --new-password '...'.");

    const nothingPasted = await runExample(
      ["--url", app.url, "--reset", uniqueEmail("nobody"), "--new-password", NEW_PASSWORD],
      Promise.resolve(""),
    );
    expect(nothingPasted.code).toBe(1);
    expect(nothingPasted.stdout).toContain("requestPasswordReset: true");
    expect(nothingPasted.stderr).toContain("No link was given: paste the link from the mail, or pass it with --link.");
  });
});

describe("npm run example -- --watch (examples/node-client)", () => {
  const MINUTE = 60_000;
  let clockAhead = 0;
  // The server's clock is moved to expire the access token: its sockets close by this clock.
  const app = useTestServer({}, () => Date.now() + clockAhead);
  let watch: RunningExample | undefined;
  afterEach(async () => {
    await watch?.stop();
    clockAhead = 0;
  });

  test("prints sign-ins as they happen; after the token expires it refreshes and goes on; when the session ends elsewhere it says so", async () => {
    const { user } = await signUp(app.url, { name: "Watcher" });
    watch = startExample(["--watch", "--url", app.url, "--email", user.email, "--password", PASSWORD]);
    const connections = () => occurrences(watch!.stdout(), "connected: a sign-in or a session ending anywhere shows here");
    await waitUntil(() => connections() === 1, "the example connected");

    /**
     * Signs in elsewhere until one of those sign-ins shows: a subscribe is answered with nothing,
     * so an event through it is the only sign that the server has set it up.
     */
    const signInsUntilOneShows = async () => {
      const sessionIds: string[] = [];
      await waitUntil(async () => {
        if (sessionIds.some((id) => watch!.stdout().includes(`STARTED session ${id} at `))) return true;
        sessionIds.push(sessionIdOf((await logIn(app.url, user.email)).accessToken));
        return false;
      }, "a sign-in elsewhere showed");
    };
    await signInsUntilOneShows();

    // Sixteen minutes later on the server's clock, the 15-minute access token has expired.
    clockAhead = 16 * MINUTE;
    await waitUntil(() => connections() === 2, "the example connected again");
    expect(watch.stdout()).toContain('the API closed the socket (4401 "token expired"): refreshing the token, then connecting again');
    const afterExpiry = watch.stdout().split('"token expired"')[1]!;
    expect(afterExpiry).toMatch(/^.*\n {3}access token …\S{8} valid until \S+\n {3}refresh token …\S{8} valid until/);
    // The new socket carries the fresh token: events go on.
    await signInsUntilOneShows();

    const elsewhere = await logIn(app.url, user.email);
    await graphql(app.url, LOGOUT_ALL, {}, { token: elsewhere.accessToken });
    const { code, stdout, stderr } = await watch.finished;
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain('the API closed the socket (4401 "session ended"): refreshing the token, then connecting again');
    expect(stdout).toMatch(/This session has ended: the refresh was refused \(UNAUTHENTICATED \(\w+\) ".*"\)\. Log in again to watch\.\n$/);
    expect(connections()).toBe(2);
  });
});
