import { useTestServer } from "../support/testServer";
import { graphql, LOGIN, ME, PASSWORD, SIGNUP, uniqueEmail, type GraphQLResponse } from "../support/graphqlClient";

// The "See my info" story (docs/sessions-and-tokens.md): me without a token asks the client to
// log in; with the token from signup or login, me answers with the caller's own record.
describe("the See my info story", () => {
  const app = useTestServer();

  test("me without a token asks the client to log in", async () => {
    const response = await graphql(app.url, ME);
    expect(response.status).toBe(200);
    expect(response.data).toBeNull();
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]).toMatchObject({
      message: "You must be logged in.",
      path: ["me"],
      extensions: { code: "UNAUTHENTICATED", reason: "NOT_AUTHENTICATED" },
    });
  });

  test("signup, login, then me answers with the caller's own record", async () => {
    const email = uniqueEmail("ada");
    const signup = await graphql(app.url, SIGNUP, { input: { email: `  ${email.toUpperCase()} `, password: PASSWORD, name: " Ada " } });
    expect(signup.errors).toBeUndefined();
    const created = signup.data!.signup;
    expect(created.user).toMatchObject({ email, name: "Ada", role: "USER" });
    expect(typeof created.accessToken).toBe("string");
    expect(typeof created.refreshToken).toBe("string");

    const login = await graphql(app.url, LOGIN, { input: { email: email.toUpperCase(), password: PASSWORD } });
    expect(login.errors).toBeUndefined();
    const { accessToken, accessTokenExpiresAt, refreshTokenExpiresAt, user } = login.data!.login;
    expect(user.id).toBe(created.user.id);
    const lifetime = Date.parse(accessTokenExpiresAt) - Date.now();
    expect(lifetime).toBeGreaterThan(14 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(15 * 60_000);
    expect(Date.parse(refreshTokenExpiresAt) - Date.now()).toBeGreaterThan(29 * 24 * 3600_000);

    const me = await graphql(app.url, ME, undefined, { token: accessToken });
    expect(me.errors).toBeUndefined();
    expect(me.data!.me).toMatchObject({ id: user.id, email, name: "Ada", role: "USER" });
  });

  test("each token loads its own user, never another one", async () => {
    const first = (await graphql(app.url, SIGNUP, { input: { email: uniqueEmail("first"), password: PASSWORD, name: "First" } })).data!
      .signup;
    const second = (await graphql(app.url, SIGNUP, { input: { email: uniqueEmail("second"), password: PASSWORD, name: "Second" } })).data!
      .signup;

    const [meFirst, meSecond] = await Promise.all([
      graphql(app.url, ME, undefined, { token: first.accessToken }),
      graphql(app.url, ME, undefined, { token: second.accessToken }),
    ]);
    expect(meFirst.data!.me).toMatchObject({ id: first.user.id, name: "First" });
    expect(meSecond.data!.me).toMatchObject({ id: second.user.id, name: "Second" });
  });

  test("the password hash appears in no response and cannot be queried", async () => {
    const email = uniqueEmail();
    const signup = await graphql(app.url, SIGNUP, { input: { email, password: PASSWORD, name: "Hash" } });
    const login = await graphql(app.url, LOGIN, { input: { email, password: PASSWORD } });
    const responses: GraphQLResponse[] = [signup, login];
    const token = login.data!.login.accessToken;
    responses.push(await graphql(app.url, ME, undefined, { token }));
    const asking = await graphql(app.url, "{ me { id passwordHash } }", undefined, { token });
    expect(asking.status).toBe(400);
    expect(asking.errors![0]!.extensions).toMatchObject({ code: "GRAPHQL_VALIDATION_FAILED" });
    responses.push(asking);

    const passwordHash = (await app.prisma.user.findUniqueOrThrow({ where: { email } })).passwordHash!;
    for (const response of responses) {
      expect(response.text).not.toContain(passwordHash);
      expect(response.text).not.toContain(passwordHash.slice(7)); // without the $2b$04$ prefix
    }
  });
});
