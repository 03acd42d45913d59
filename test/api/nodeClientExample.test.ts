import { run, type Finished } from "../support/childProcess";
import { PASSWORD, signUp, uniqueEmail } from "../support/graphqlClient";
import { useTestServer } from "../support/testServer";

/** `npm run example`, exactly as README.md gives it, with the arguments after `--`. */
function runExample(args: string[]): Promise<Finished> {
  return run("npm", ["run", "--silent", "example", "--", ...args]);
}

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

  test("with a wrong password for an existing account it stops with the API's error and exits 1", async () => {
    const { user } = await signUp(app.url);
    const { code, stderr } = await runExample(["--url", app.url, "--email", user.email, "--password", "not the password at all"]);
    expect(code).toBe(1);
    expect(stderr).toContain('The story stopped: UNAUTHENTICATED (INVALID_CREDENTIALS) "Wrong email or password."');
  });

  test("with no server at the URL it says so and exits 1", async () => {
    const { code, stderr } = await runExample(["--url", "http://127.0.0.1:1/graphql"]);
    expect(code).toBe(1);
    expect(stderr).toContain("is the API running at http://127.0.0.1:1/graphql?");
  });
});
