import { useTestServer } from "../support/testServer";
import { graphql, PASSWORD, SIGNUP, uniqueEmail } from "../support/graphqlClient";

describe("signup", () => {
  const app = useTestServer();

  test("a taken email, in any letter case, gives a clear error and still one user", async () => {
    const email = uniqueEmail("taken");
    const first = await graphql(app.url, SIGNUP, { input: { email, password: PASSWORD, name: "First" } });
    expect(first.errors).toBeUndefined();

    for (const variant of [email, email.toUpperCase(), ` ${email.replace(/^t/, "T")} `]) {
      const again = await graphql(app.url, SIGNUP, { input: { email: variant, password: PASSWORD, name: "Second" } });
      expect(again.data).toBeNull();
      expect(again.errors![0]).toMatchObject({
        message: "An account with this email already exists. Log in instead.",
        extensions: { code: "BAD_USER_INPUT", field: "email", reason: "EMAIL_TAKEN" },
      });
    }
    expect(await app.prisma.user.count({ where: { email } })).toBe(1);
    const user = await app.prisma.user.findUniqueOrThrow({ where: { email } });
    expect(user.name).toBe("First");
  });

  test.each([
    ["email", { email: "not-an-email" }],
    ["email", { email: "a@b" }],
    ["email", { email: "" }],
    ["password", { password: "short" }],
    ["password", { password: "é".repeat(37) }], // 74 bytes: bcrypt would silently drop the tail
    ["name", { name: "   " }],
    ["name", { name: "x".repeat(101) }],
    ["name", { name: "bad\u0000name" }],
  ])("bad %s is refused with BAD_USER_INPUT naming the field, and nothing is written", async (field, override) => {
    const input = { email: uniqueEmail("invalid"), password: PASSWORD, name: "Valid Name", ...override };
    const response = await graphql(app.url, SIGNUP, { input });
    expect(response.data).toBeNull();
    expect(response.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
    expect(await app.prisma.user.count({ where: { email: input.email.trim().toLowerCase() } })).toBe(0);
  });

  test("the password may not be the email address", async () => {
    const email = uniqueEmail("same");
    const response = await graphql(app.url, SIGNUP, { input: { email, password: email.toUpperCase(), name: "Same" } });
    expect(response.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "password" });
  });

  test("a password of exactly 72 bytes is accepted", async () => {
    const response = await graphql(app.url, SIGNUP, { input: { email: uniqueEmail(), password: "é".repeat(36), name: "Max" } });
    expect(response.errors).toBeUndefined();
  });

  test("the password is stored as a bcrypt hash, never in clear", async () => {
    const email = uniqueEmail();
    await graphql(app.url, SIGNUP, { input: { email, password: PASSWORD, name: "Hashed" } });
    const { passwordHash } = await app.prisma.user.findUniqueOrThrow({ where: { email } });
    expect(passwordHash).toMatch(/^\$2b\$\d\d\$/);
    expect(passwordHash).not.toContain(PASSWORD);
  });
});
