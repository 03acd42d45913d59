import crypto from "node:crypto";
import { startTestServer, useTestServer } from "../support/testServer";
import { graphql, LOGIN, ME, PASSWORD, signUp, uniqueEmail } from "../support/graphqlClient";
import { statementsDuring } from "../support/sqlStatements";

describe("login", () => {
  const app = useTestServer();

  test("wrong password and unknown email look the same", async () => {
    const { user } = await signUp(app.url);
    const wrongPassword = await graphql(app.url, LOGIN, { input: { email: user.email, password: "not the password" } });
    const unknownEmail = await graphql(app.url, LOGIN, { input: { email: uniqueEmail("nobody"), password: PASSWORD } });

    for (const response of [wrongPassword, unknownEmail]) {
      expect(response.status).toBe(200);
      expect(response.data).toBeNull();
    }
    expect(wrongPassword.errors).toEqual(unknownEmail.errors);
    expect(wrongPassword.errors![0]).toMatchObject({
      message: "Wrong email or password.",
      extensions: { code: "UNAUTHENTICATED", reason: "INVALID_CREDENTIALS" },
    });
  });

  test("the email matches whatever its letter case and surrounding spaces", async () => {
    const { user } = await signUp(app.url);
    const response = await graphql(app.url, LOGIN, { input: { email: `  ${user.email.toUpperCase()}  `, password: PASSWORD } });
    expect(response.errors).toBeUndefined();
    expect(response.data!.login.user.id).toBe(user.id);
  });

  test("the email matches in any Unicode form of the address it was signed up with (NFKC)", async () => {
    const local = `ada${crypto.randomUUID().replace(/[^a-f]/g, "")}é`;
    const { user } = await signUp(app.url, { email: `${local}@example.com`.normalize("NFD") });
    const fullwidth = (text: string) => text.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
    for (const form of [
      `${local}@example.com`.normalize("NFC"),
      `${local}@example.com`.normalize("NFD"),
      fullwidth(`${local}@example.com`),
    ]) {
      const response = await graphql(app.url, LOGIN, { input: { email: form, password: PASSWORD } });
      expect(response.errors).toBeUndefined();
      expect(response.data!.login.user.id).toBe(user.id);
    }
  });

  test.each([
    ["email", { email: `nobody\ud800${uniqueEmail()}`, password: PASSWORD }],
    ["email", { email: `${uniqueEmail()}\udfff`, password: PASSWORD }],
    ["password", { email: uniqueEmail("nobody"), password: `${PASSWORD}\udbff` }],
  ])("a lone surrogate in the %s, with no such account, is BAD_USER_INPUT naming the field", async (field, input) => {
    const response = await graphql(app.url, LOGIN, { input });
    expect(response.status).toBe(200);
    expect(response.errors![0]!.extensions).toEqual({ code: "BAD_USER_INPUT", field, reason: "INVALID" });
  });

  test("every login starts its own session with its own refresh token", async () => {
    const { user } = await signUp(app.url);
    const first = await graphql(app.url, LOGIN, { input: { email: user.email, password: PASSWORD } });
    const second = await graphql(app.url, LOGIN, { input: { email: user.email, password: PASSWORD } });
    expect(first.data!.login.refreshToken).not.toBe(second.data!.login.refreshToken);
    // signup's session plus two logins
    expect(await app.prisma.session.count({ where: { userId: user.id } })).toBe(3);
  });

  test("refresh tokens are stored only as hashes", async () => {
    const { user, refreshToken } = await signUp(app.url);
    const rows = await app.prisma.refreshToken.findMany({ where: { session: { userId: user.id } } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).not.toBe(refreshToken);
    expect(JSON.stringify(rows)).not.toContain(refreshToken);
  });

  test("a stored hash with a lower bcrypt cost is upgraded by the next login", async () => {
    const strongerApp = await startTestServer({ BCRYPT_COST: "5" });
    try {
      const { user } = await signUp(app.url); // hashed at cost 4
      const response = await graphql(strongerApp.url, LOGIN, { input: { email: user.email, password: PASSWORD } });
      expect(response.errors).toBeUndefined();
      const { passwordHash } = await app.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
      expect(passwordHash!.startsWith("$2b$05$")).toBe(true);
      const again = await graphql(strongerApp.url, LOGIN, { input: { email: user.email, password: PASSWORD } });
      expect(again.errors).toBeUndefined();
    } finally {
      await strongerApp.stop();
    }
  });
});

describe("a login's cost in SQL", () => {
  const app = useTestServer({ MAX_SESSIONS_PER_USER: "2" });

  test("is at most 8 statements besides the hash, whether or not it ends a session beyond the limit", async () => {
    const { user } = await signUp(app.url);
    // The signup's verification mail writes its link in the background: not the login's.
    await app.mailIdle();
    const input = { email: user.email, password: PASSWORD };
    const tokens: string[] = [];
    for (let login = 0; login < 3; login++) {
      const statements = await statementsDuring(async () => {
        const answer = await graphql(app.url, LOGIN, { input });
        tokens.push(answer.data!.login.accessToken);
      });
      // Counted on the wire (node-postgres), BEGIN and COMMIT included: the two limits' counts, the
      // account, then one transaction (the lock, the writes, the security events).
      expect(statements.length).toBeLessThanOrEqual(8);
    }
    // The signup's session and the first login's ended at the limit of 2: the last two work.
    const answers = await Promise.all(tokens.map((token) => graphql(app.url, ME, {}, { token })));
    expect(answers.map((answer) => answer.data?.me?.id ?? answer.errors?.[0]?.extensions?.reason)).toEqual([
      "SESSION_ENDED",
      user.id,
      user.id,
    ]);
  });
});
