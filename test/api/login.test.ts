import { startTestServer, useTestServer } from "../support/testServer";
import { graphql, LOGIN, PASSWORD, signUp, uniqueEmail } from "../support/graphqlClient";

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
      expect(passwordHash.startsWith("$2b$05$")).toBe(true);
      const again = await graphql(strongerApp.url, LOGIN, { input: { email: user.email, password: PASSWORD } });
      expect(again.errors).toBeUndefined();
    } finally {
      await strongerApp.stop();
    }
  });
});
