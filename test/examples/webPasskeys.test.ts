import type { Browser, BrowserContext, CDPSession, Page } from "playwright-core";
import type { RunningApp } from "../../src/app";
import { launchChromium } from "../support/browser";
import { PASSWORD, uniqueEmail } from "../support/graphqlClient";
import { startTestServer } from "../support/testServer";
import { EVENT_DEADLINE_MS } from "../support/timeouts";
import { freePort, startWebDemo, type WebDemo } from "../support/webDemo";

// Passkeys in the See my info page (examples/web), clicked through in Chromium with its virtual
// authenticator (DevTools protocol: WebAuthn.enable, WebAuthn.addVirtualAuthenticator): a
// platform authenticator with resident keys that verifies its user, so the browser's own WebAuthn
// code makes and uses a real passkey. WebAuthn needs a domain for its RP ID, not an IP address, so
// the page is opened as http://localhost:<port> and the API's relying party is that origin
// (APP_URL), as `APP_URL=http://localhost:5173 npm start` makes it for `npm run web`.
describe("passkeys in the See my info page (examples/web) in Chromium", () => {
  let api: RunningApp;
  let web: WebDemo;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let devTools: CDPSession;
  let pageUrl: string;
  /** The GraphQL operations the page sent, by name, in order. */
  let operations: string[];

  beforeAll(async () => {
    const webPort = await freePort();
    pageUrl = `http://localhost:${webPort}/`;
    api = await startTestServer({ APP_URL: `http://localhost:${webPort}` });
    web = await startWebDemo(api.url, webPort);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await api?.stop();
  });

  beforeEach(async () => {
    operations = [];
    context = await browser.newContext();
    page = await context.newPage();
    page.setDefaultTimeout(EVENT_DEADLINE_MS);
    page.on("request", (request) => {
      const name = /^\s*(?:query|mutation)\s+(\w+)/.exec((request.postDataJSON() as { query?: string } | null)?.query ?? "")?.[1];
      if (name) operations.push(name);
    });
    devTools = await context.newCDPSession(page);
    await devTools.send("WebAuthn.enable", { enableUI: false });
  });
  afterEach(() => context.close());

  const loginForm = () => page.getByRole("region", { name: "Log in" });
  const signupForm = () => page.getByRole("region", { name: "Sign up" });
  const myInfo = () => page.getByRole("region", { name: "My info" });
  const passkeys = () => myInfo().getByRole("region", { name: "Passkeys" });

  /** This browser's authenticator: the platform's own, with resident keys, verifying its user. */
  async function addPlatformAuthenticator(): Promise<string> {
    const { authenticatorId } = await devTools.send("WebAuthn.addVirtualAuthenticator", {
      options: {
        protocol: "ctap2",
        transport: "internal",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    return authenticatorId;
  }

  test("sign up, add a passkey, log out, sign in with the passkey alone, see my info", async () => {
    const authenticatorId = await addPlatformAuthenticator();
    const email = uniqueEmail("passkey-web");
    await page.goto(pageUrl);
    await loginForm().waitFor();

    await loginForm().getByRole("button", { name: "Sign up" }).click();
    await signupForm().getByLabel("Name").fill("Ada Passkey");
    await signupForm().getByLabel("Email").fill(email);
    await signupForm().getByLabel("Password").fill(PASSWORD);
    await signupForm().getByRole("button", { name: "Sign up" }).click();
    await myInfo().waitFor();
    expect(await passkeys().getByRole("list", { name: "My passkeys" }).getByRole("listitem").count()).toBe(0);

    operations = [];
    await passkeys().getByRole("button", { name: "Add a passkey" }).click();
    await passkeys().getByRole("status").getByText("Passkey added.").waitFor();
    expect(await passkeys().getByRole("listitem").allTextContents()).toEqual(["This browser"]);
    expect(operations).toEqual(["StartPasskeyRegistration", "FinishPasskeyRegistration"]);
    // The authenticator holds it as a discoverable credential for this site, made for this account.
    const { credentials } = await devTools.send("WebAuthn.getCredentials", { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]).toMatchObject({ isResidentCredential: true, rpId: "localhost" });
    const account = await api.prisma.user.findUniqueOrThrow({ where: { email } });
    expect(Buffer.from(credentials[0]!.userHandle!, "base64").toString("utf8")).toBe(account.id);

    await myInfo().getByRole("button", { name: "Log out" }).click();
    await loginForm().getByText("Logged out.").waitFor();

    // No email, no password: the browser offers the passkey it holds for this site.
    operations = [];
    await loginForm().getByRole("button", { name: "Sign in with a passkey" }).click();
    await myInfo().waitFor();
    expect(operations).toEqual(["StartPasskeyLogin", "FinishPasskeyLogin", "Me"]);
    expect(await page.locator("#info-email").textContent()).toBe(email);
    expect(await page.locator("#info-name").textContent()).toBe("Ada Passkey");
    expect(await passkeys().getByRole("listitem").allTextContents()).toEqual(["This browser"]);
    // The session the passkey started is at level 2, from the passkey's user verification.
    const session = await api.prisma.session.findFirstOrThrow({ where: { userId: account.id, revokedAt: null } });
    expect(session).toMatchObject({ assuranceLevel: 2, amr: ["hwk", "user"] });
  });

  test("a browser without a passkey for this site says so at the login form, which stays", async () => {
    await page.goto(pageUrl);
    await loginForm().waitFor();
    await addPlatformAuthenticator();
    await loginForm().getByRole("button", { name: "Sign in with a passkey" }).click();
    await loginForm().getByRole("alert").filter({ hasText: /\S/ }).waitFor();
    expect(await loginForm().isVisible()).toBe(true);
    expect(operations).not.toContain("FinishPasskeyLogin");
  });
});
