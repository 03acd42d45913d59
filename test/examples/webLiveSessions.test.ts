import fs from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { RunningApp } from "../../src/app";
import { PROJECT_ROOT } from "../../src/projectRoot";
import { launchChromium } from "../support/browser";
import { DisableUserDocument } from "../support/generated/graphql";
import { graphql, logIn, MY_SESSIONS, PASSWORD, REVOKE_SESSION, sessionIdOf, sessionsOf, signUp } from "../support/graphqlClient";
import { startTestServer } from "../support/testServer";
import { EVENT_DEADLINE_MS } from "../support/timeouts";
import { waitUntil } from "../support/waitUntil";
import { startWebDemo, type WebDemo } from "../support/webDemo";

const SCREENSHOTS = path.join(PROJECT_ROOT, "test-output");

const MINUTE = 60_000;

// The See my info page (examples/web) in Chromium, signed in, subscribed to the account's session
// events over a WebSocket through the page's own origin (Vite forwards it to the API). When its
// session is ended from another client, the page shows the login form with "Signed out on another
// device" at once, with no reload and no click; when its access token expires, the socket comes
// back with a fresh one. The API's clock is moved to expire tokens.
describe("the See my info page, live", () => {
  let apiClockAhead = 0;
  let api: RunningApp;
  let web: WebDemo;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Navigations of the page after it was first opened. */
  let navigations: number;

  beforeAll(async () => {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    api = await startTestServer({}, () => Date.now() + apiClockAhead);
    web = await startWebDemo(api.url);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await api?.stop();
  });

  beforeEach(async () => {
    apiClockAhead = 0;
    context = await browser.newContext();
    page = await context.newPage();
    page.setDefaultTimeout(EVENT_DEADLINE_MS);
    await page.goto(web.url);
    await loginForm().waitFor();
    navigations = 0;
    page.on("framenavigated", (frame) => {
      if (frame === page.mainFrame()) navigations++;
    });
  });
  afterEach(() => context.close());

  const loginForm = () => page.getByRole("region", { name: "Log in" });
  const myInfo = () => page.getByRole("region", { name: "My info" });
  const activity = () => page.getByRole("list", { name: "What happened" });

  /** Signs a new account in on the page; resolves once its socket is connected. */
  async function signedInPage() {
    const { user, accessToken } = await signUp(api.url, { name: "Ada Lovelace" });
    await loginForm().getByLabel("Email").fill(user.email);
    await loginForm().getByLabel("Password").fill(PASSWORD);
    await loginForm().getByRole("button", { name: "Log in" }).click();
    await myInfo().waitFor();
    await activity().getByText("sessionEvents: connected; sign-ins and ended sessions of this account show here").waitFor();
    return { user, signupSession: sessionIdOf(accessToken) };
  }

  test("a sign-in elsewhere shows live; revoked from another client, the page signs out and says so", async () => {
    const { user, signupSession } = await signedInPage();
    // Sign-ins from Node until one shows: a subscribe is answered with nothing, so an event
    // through it is the only sign that the server has set it up.
    const elsewhere: string[] = [];
    let token = "";
    await waitUntil(async () => {
      const shown = (await activity().textContent()) ?? "";
      if (elsewhere.some((id) => shown.includes(`sessionEvents: STARTED session ${id} at `))) return true;
      token = (await logIn(api.url, user.email)).accessToken;
      elsewhere.push(sessionIdOf(token));
      return false;
    }, "a sign-in elsewhere showed on the page");

    // The page's session is the one Node did not start.
    const sessions = sessionsOf(await graphql(api.url, MY_SESSIONS, { first: 50 }, { token }));
    const pageSession = sessions.filter((session) => session.id !== signupSession && !elsewhere.includes(session.id));
    expect(pageSession).toHaveLength(1);
    const revoked = await graphql(api.url, REVOKE_SESSION, { id: pageSession[0]!.id }, { token });
    expect(revoked.data?.revokeSession).toBe(true);

    await loginForm().getByText("Signed out on another device.").waitFor();
    expect(await myInfo().isHidden()).toBe(true);
    // The view of the account is emptied, as after a logout.
    expect(await page.locator("#my-info").textContent()).not.toContain(user.email);
    expect(navigations).toBe(0);
    const shown = (await activity().textContent()) ?? "";
    expect(shown).toContain('sessionEvents: the API closed the socket (4401 "session ended"): connecting again with a fresh token');
    expect(shown).toContain("refreshToken: refused (");
    await page.screenshot({ path: path.join(SCREENSHOTS, "web-example-signed-out-elsewhere.png"), fullPage: true });
  });

  test("disabled by an admin, the page signs out at once and says the account is disabled", async () => {
    const { user } = await signedInPage();
    const admin = await signUp(api.url, { name: "Admin" });
    await api.prisma.user.update({ where: { id: admin.user.id }, data: { role: "ADMIN" } });
    const disabled = await graphql(api.url, DisableUserDocument, { id: user.id }, { token: admin.accessToken });
    expect(disabled.errors).toBeUndefined();

    await loginForm().getByText("This account has been disabled.").waitFor();
    expect(await myInfo().isHidden()).toBe(true);
    expect(await page.locator("#my-info").textContent()).not.toContain(user.email);
    expect(await page.getByText("Signed out on another device.").count()).toBe(0);
    expect(navigations).toBe(0);
    const shown = (await activity().textContent()) ?? "";
    expect(shown).toContain('sessionEvents: the API closed the socket (4401 "account disabled"): connecting again with a fresh token');
    expect(shown).toContain("refreshToken: refused (ACCOUNT_DISABLED): log in again");
  });

  test("when the access token expires, the socket closes and comes back with a refreshed token, with nobody clicking", async () => {
    await signedInPage();
    // Sixteen minutes later on the API's clock, the 15-minute access token has expired.
    apiClockAhead = 16 * MINUTE;
    await activity()
      .getByText('sessionEvents: the API closed the socket (4401 "token expired"): connecting again with a fresh token')
      .waitFor();
    await activity()
      .getByText(/^refreshToken: new access token/)
      .waitFor();
    await activity().getByText("sessionEvents: connected; sign-ins and ended sessions of this account show here").nth(1).waitFor();
    expect(await myInfo().isVisible()).toBe(true);
    expect(navigations).toBe(0);
  });

  test("logging out on the page itself says Logged out, not signed out elsewhere", async () => {
    await signedInPage();
    await myInfo().getByRole("button", { name: "Log out" }).click();
    await loginForm().getByText("Logged out.").waitFor();
    // The socket closed with the session; the page had let go of it first.
    await activity().getByText("logout: the session has ended on the server").waitFor();
    expect(await page.getByText("Signed out on another device.").count()).toBe(0);
    expect(await activity().textContent()).not.toContain("sessionEvents: the API closed the socket");
  });
});
