import { graphql, LOGIN, PASSWORD, SIGNUP, signUp, uniqueEmail } from "../support/graphqlClient";
import { useTestServer } from "../support/testServer";

describe("concurrent and failed writes", () => {
  const app = useTestServer();

  test("20 parallel signups with one email: one account, 19 EMAIL_TAKEN, no stray session or token", async () => {
    const email = uniqueEmail("race");
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => graphql(app.url, SIGNUP, { input: { email, password: PASSWORD, name: `Racer ${i}` } })),
    );
    const winners = responses.filter((response) => response.data?.signup);
    const losers = responses.filter((response) => !response.data?.signup);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(19);
    for (const loser of losers) {
      expect(loser.status).toBe(200);
      expect(loser.errors).toEqual([
        expect.objectContaining({ extensions: { code: "BAD_USER_INPUT", field: "email", reason: "EMAIL_TAKEN" } }),
      ]);
    }
    const users = await app.prisma.user.findMany({ where: { email }, include: { sessions: { include: { refreshTokens: true } } } });
    expect(users).toHaveLength(1);
    expect(users[0]!.sessions).toHaveLength(1);
    expect(users[0]!.sessions[0]!.refreshTokens).toHaveLength(1);
  });

  test("a refused signup writes nothing", async () => {
    const email = uniqueEmail("refused");
    const response = await graphql(app.url, SIGNUP, { input: { email, password: "short", name: "Nobody" } });
    expect(response.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "password" });
    expect(await app.prisma.user.count({ where: { email } })).toBe(0);
  });

  test("failed and refused logins start no session", async () => {
    const { user } = await signUp(app.url);
    for (let i = 0; i < 7; i++) {
      // 5 wrong passwords, then 2 refused by the account limit (right password included).
      await graphql(app.url, LOGIN, { input: { email: user.email, password: i === 6 ? PASSWORD : "wrong password" } });
    }
    expect(await app.prisma.session.count({ where: { userId: user.id } })).toBe(1); // signup's own
  });

  test("5 parallel first logins from one address: all succeed, and the address is known once", async () => {
    const { user } = await signUp(app.url);
    // Forget signup's address, so that every login below races to remember it first. (5: attempts
    // count while in flight, and more than LOGIN_MAX_FAILURES_PER_ACCOUNT at once would be refused.)
    await app.prisma.knownLoginAddress.deleteMany({ where: { userId: user.id } });
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => graphql(app.url, LOGIN, { input: { email: user.email, password: PASSWORD } })),
    );
    expect(responses.map((response) => response.errors?.[0]?.extensions?.code ?? "OK")).toEqual(Array(5).fill("OK"));
    expect(await app.prisma.knownLoginAddress.findMany({ where: { userId: user.id }, select: { address: true } })).toEqual([
      { address: "127.0.0.1" },
    ]);
  });
});
