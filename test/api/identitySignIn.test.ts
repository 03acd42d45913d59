import { graphql, uniqueEmail } from "../support/graphqlClient";
import { ExchangeLoginCodeDocument, IdentityProvidersDocument, MyIdentitiesDocument } from "../support/generated/graphql";
import { browserGet, CookieJar, followUntil, fragment } from "../support/identitySignIn";
import { useTestServer } from "../support/testServer";

const APP_URL = "http://localhost:5173";
const app = useTestServer({ OIDC_DEV_PROVIDER: "true", APP_URL });

const apiOrigin = () => new URL(app.url).origin;
const atApp = (next: URL) => next.origin === APP_URL;

/** A browser's sign-in through the development provider: the URL the callback sent it back to. */
async function signIn(jar: CookieJar, email: string, returnTo = `${APP_URL}/account`): Promise<URL> {
  const start = new URL(`${apiOrigin()}/auth/dev/start`);
  start.searchParams.set("return_to", returnTo);
  start.searchParams.set("login_hint", email);
  const { stoppedAt, last } = await followUntil(jar, start, atApp);
  if (!stoppedAt) throw new Error(`The sign-in ended at ${last.url.href} (${last.status}): ${last.body.slice(0, 300)}`);
  return stoppedAt;
}

async function exchange(jar: CookieJar, code: string) {
  const cookie = jar.header(new URL(app.url));
  return graphql(app.url, ExchangeLoginCodeDocument, { code }, { headers: cookie === undefined ? {} : { cookie } });
}

describe("sign-in through the development provider, in plain HTTP", () => {
  test("identityProviders lists it for the buttons", async () => {
    const answer = await graphql(app.url, IdentityProvidersDocument, {});
    expect(answer.data?.identityProviders).toEqual([{ id: "dev", name: "Development sign-in" }]);
  });

  test("login_hint signs a new email in at once: a password-less account with its email verified, and the identity linked", async () => {
    const email = uniqueEmail("idp");
    const jar = new CookieJar();
    const back = await signIn(jar, email);
    expect(back.pathname).toBe("/account");
    const { login_code: code } = fragment(back);
    expect(code).toMatch(/^[\w-]{43}$/);

    const answer = await exchange(jar, code!);
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.exchangeLoginCode).toMatchObject({ secondFactorRequired: false, user: { email, emailVerified: true } });
    const token = answer.data!.exchangeLoginCode.accessToken;
    const me = await graphql(app.url, MyIdentitiesDocument, {}, { token });
    expect(me.data?.me.identities).toEqual([{ provider: "dev", subject: email, email, linkedAt: expect.any(String) }]);
    const user = await app.prisma.user.findUniqueOrThrow({ where: { email } });
    expect(user.passwordHash).toBeNull();

    // SIGNUP and IDENTITY_LINKED are written at the same instant, in one transaction: ordered by kind after time.
    const events = await app.prisma.securityEvent.findMany({
      where: { userId: user.id },
      orderBy: [{ createdAt: "asc" }, { kind: "desc" }],
    });
    expect(events.map(({ kind, detail }) => ({ kind, detail }))).toEqual([
      { kind: "SIGNUP", detail: { method: "dev" } },
      { kind: "IDENTITY_LINKED", detail: { provider: "dev", email } },
      { kind: "LOGIN", detail: { method: "dev" } },
    ]);
    const session = await app.prisma.session.findFirstOrThrow({ where: { userId: user.id } });
    expect(session).toMatchObject({ assuranceLevel: 1, amr: ["fed"] });
  });

  test("the same identity signs in to the same account again, and the code works once", async () => {
    const email = uniqueEmail("idp-again");
    const first = new CookieJar();
    const firstAnswer = await exchange(first, fragment(await signIn(first, email)).login_code!);
    const jar = new CookieJar();
    const code = fragment(await signIn(jar, email)).login_code!;
    const answer = await exchange(jar, code);
    expect(answer.data?.exchangeLoginCode.user.id).toBe(firstAnswer.data?.exchangeLoginCode.user.id);
    const again = await exchange(jar, code);
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", reason: "LOGIN_CODE_USED", field: "code" });
  });

  test("without login_hint the provider shows its sign-in form, which takes any email", async () => {
    const jar = new CookieJar();
    const start = new URL(`${apiOrigin()}/auth/dev/start`);
    const { stoppedAt, last } = await followUntil(jar, start, atApp);
    expect(stoppedAt).toBeUndefined();
    expect(last.status).toBe(200);
    expect(last.body).toContain("Development sign-in");
    const action = /action="([^"]+)"/.exec(last.body)![1]!;
    const email = uniqueEmail("idp-form");
    const posted = await fetch(new URL(action, last.url), {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.header(last.url)! },
      body: new URLSearchParams({ email }),
    });
    jar.take(last.url, posted);
    await posted.text();
    const { stoppedAt: back } = await followUntil(jar, new URL(posted.headers.get("location")!, last.url), atApp);
    expect(back?.href.startsWith(`${APP_URL}/#login_code=`)).toBe(true);
    const answer = await exchange(jar, fragment(back!).login_code!);
    expect(answer.data?.exchangeLoginCode.user.email).toBe(email);
  });

  test("a return_to outside APP_URL is refused, with no redirect", async () => {
    for (const returnTo of [
      "https://evil.example/",
      "http://localhost:5174/",
      "//evil.example/",
      "http://localhost:5173@evil.example/",
      "javascript:alert(1)",
    ]) {
      const hop = await browserGet(new CookieJar(), `${apiOrigin()}/auth/dev/start?return_to=${encodeURIComponent(returnTo)}`);
      expect({ returnTo, status: hop.status, location: hop.location }).toEqual({ returnTo, status: 400, location: undefined });
    }
    const unknown = await browserGet(new CookieJar(), `${apiOrigin()}/auth/nobody/start`);
    expect(unknown.status).toBe(404);
  });
});
