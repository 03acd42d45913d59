import crypto from "node:crypto";
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
    // Lone UTF-16 surrogates: any client can send one as JSON's "\ud800"; no UTF-8 column holds one.
    ["email", { email: `ada\ud800${uniqueEmail()}` }],
    ["email", { email: `${uniqueEmail()}\udc00` }],
    ["name", { name: "Ada\ud800" }],
    ["name", { name: "\udfffAda" }],
    // bcrypt hashes UTF-8, where a lone surrogate becomes U+FFFD: "…\ud800" and "…\udbff" would hash alike.
    ["password", { password: `${PASSWORD}\ud800` }],
    // Invisible characters would make a second account that looks like the first.
    ["email", { email: `ada\u200b${uniqueEmail()}` }],
    ["email", { email: `ada\u202e${uniqueEmail()}` }],
    // What a mail library reads as a list, a display name, a comment or a group: a second recipient.
    ["email", { email: "a,b@example.com" }],
    ["email", { email: "a<b>@example.com" }],
    ["email", { email: '"a"@example.com' }],
    ["email", { email: "a(b)@example.com" }],
    ["email", { email: "a:b@example.com" }],
    ["email", { email: "a;b@example.com" }],
    ["email", { email: "a@b@example.com" }],
    // Not a dot-atom, not a domain of labels, or over RFC 5321's lengths.
    ["email", { email: ".ada@example.com" }],
    ["email", { email: "ada..lovelace@example.com" }],
    ["email", { email: "ada@[192.0.2.1]" }],
    ["email", { email: "ada@192.0.2.1" }],
    ["email", { email: "ada@-example.com" }],
    ["email", { email: "ada@example..com" }],
    ["email", { email: "ada@exa_mple.com" }],
    ["email", { email: `${"a".repeat(65)}@example.com` }],
    ["email", { email: `ada@${"b".repeat(64)}.example` }],
    ["email", { email: `ada@${"label.".repeat(50)}example` }],
  ])("bad %s %j is refused with BAD_USER_INPUT naming the field, and nothing is written", async (field, override) => {
    const input = { email: uniqueEmail("invalid"), password: PASSWORD, name: "Valid Name", ...override };
    const response = await graphql(app.url, SIGNUP, { input });
    expect(response.data).toBeNull();
    expect(response.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
    // Well-formed, or Prisma itself would refuse to send it.
    expect(await app.prisma.user.count({ where: { email: input.email.toWellFormed().trim().toLowerCase() } })).toBe(0);
  });

  test.each([
    ["RFC 5322 atext in the local part", (id: string) => `o'brien+tag!#$%&*/=?^_\`{|}~-${id}@example.com`],
    ["dots between atoms, subdomains", (id: string) => `ada.king.${id}@mail.example.co.uk`],
    ["a non-ASCII local part", (id: string) => `ünïcødé-${id}@example.com`],
    ["an internationalised domain", (id: string) => `ada-${id}@bücher.example`],
    ["the same domain in Punycode", (id: string) => `ada-${id}@xn--bcher-kva.example`],
    ["a 64-octet local part", (id: string) => `${id}${"a".repeat(64 - id.length)}@example.com`],
  ])("a mailbox of the grammar is accepted: %s", async (_name, address) => {
    const email = address(crypto.randomUUID().slice(0, 8));
    const response = await graphql(app.url, SIGNUP, { input: { email, password: PASSWORD, name: "Valid" } });
    expect(response.errors).toBeUndefined();
    expect(response.data!.signup.user.email).toBe(email);
  });

  /** A fresh local part of plain letters, so that `fullwidth` below covers every character. */
  const freshLocal = () => `ada${crypto.randomUUID().replace(/[^a-f]/g, "")}`;
  const fullwidth = (text: string) => text.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
  type Form = (local: string) => string;

  test.each<[string, Form, Form, Form]>([
    ["fullwidth ａｄａ after plain ada", (l) => `${l}@example.com`, (l) => fullwidth(`${l}@example.com`), (l) => `${l}@example.com`],
    [
      "plain after fullwidth capitals",
      (l) => fullwidth(`${l.toUpperCase()}@example.com`),
      (l) => `${l}@example.com`,
      (l) => `${l}@example.com`,
    ],
    [
      "NFD é after NFC é",
      (l) => `${l}é@example.com`.normalize("NFC"),
      (l) => `${l}é@example.com`.normalize("NFD"),
      (l) => `${l}é@example.com`,
    ],
    [
      "NFC é after NFD é",
      (l) => `${l}é@example.com`.normalize("NFD"),
      (l) => `${l}é@example.com`.normalize("NFC"),
      (l) => `${l}é@example.com`,
    ],
  ])("lookalike addresses are one account: %s is EMAIL_TAKEN", async (_name, first, second, stored) => {
    const local = freshLocal();
    const created = await graphql(app.url, SIGNUP, { input: { email: first(local), password: PASSWORD, name: "First" } });
    expect(created.data!.signup.user.email).toBe(stored(local).normalize("NFC"));
    const again = await graphql(app.url, SIGNUP, { input: { email: second(local), password: PASSWORD, name: "Second" } });
    expect(again.errors![0]!.extensions).toEqual({ code: "BAD_USER_INPUT", field: "email", reason: "EMAIL_TAKEN" });
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
