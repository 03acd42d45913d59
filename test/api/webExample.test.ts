import fs from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { RunningApp } from "../../src/app";
import { launchChromium } from "../support/browser";
import { PROJECT_ROOT } from "../../src/projectRoot";
import { PASSWORD, signUp } from "../support/graphqlClient";
import { startTestServer } from "../support/testServer";
import { startWebDemo, type WebDemo } from "../support/webDemo";

const SCREENSHOTS = path.join(PROJECT_ROOT, "test-output");
const MINUTE = 60_000;

// The "See my info" story (docs/sessions-and-tokens.md), clicked through in a real browser: no
// session shows the login form, login shows the user's own info, an expired access token is
// refreshed and the request retried, log out ends it all. The page is built from examples/web,
// the real API runs behind it, and the API's clock is moved to expire tokens.
describe("the See my info page (examples/web) in Chromium", () => {
  let apiClockAhead = 0;
  let api: RunningApp;
  let web: WebDemo;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** The GraphQL operations the page sent, by name, in order. */
  let operations: string[];

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
    operations = [];
    context = await browser.newContext();
    page = await context.newPage();
    // Every step answers within milliseconds; a missing element should fail fast, not at 30 s.
    page.setDefaultTimeout(10_000);
    page.on("request", (request) => {
      const name = /^\s*(?:query|mutation)\s+(\w+)/.exec((request.postDataJSON() as { query?: string } | null)?.query ?? "")?.[1];
      if (name) operations.push(name);
    });
    await page.goto(web.url);
  });
  afterEach(() => context.close());

  const loginForm = () => page.getByRole("region", { name: "Log in" });
  const myInfo = () => page.getByRole("region", { name: "My info" });
  const activity = () => page.getByRole("list", { name: "What happened" });

  async function seeMyInfo() {
    await page.getByRole("button", { name: "See my info" }).click();
  }

  async function logIn(email: string, password: string) {
    await loginForm().getByLabel("Email").fill(email);
    await loginForm().getByLabel("Password").fill(password);
    await loginForm().getByRole("button", { name: "Log in" }).click();
  }

  test("login form, own info, a refresh nobody clicked for, logout, login form again", async () => {
    const { user } = await signUp(api.url, { name: "Grace Hopper" });

    await seeMyInfo();
    await loginForm().waitFor();
    expect(await myInfo().isHidden()).toBe(true);
    expect(await activity().textContent()).toContain("me: UNAUTHENTICATED (NOT_AUTHENTICATED): showing the login form");

    await logIn(user.email, PASSWORD);
    await myInfo().waitFor();
    expect(await loginForm().isHidden()).toBe(true);
    expect(await myInfo().textContent()).toMatch(new RegExp(`Name\\s*Grace Hopper\\s*Email\\s*${user.email}\\s*Role\\s*USER`));
    expect(operations).toEqual(["Me", "Login", "Me"]);

    // The access token is in memory only, and the refresh token in a cookie scripts cannot read.
    expect(await page.evaluate<number>("localStorage.length + sessionStorage.length")).toBe(0);
    const cookies = await context.cookies();
    expect(cookies).toContainEqual(expect.objectContaining({ httpOnly: true, path: "/graphql" }));
    const readable = await page.evaluate<string>("document.cookie");
    for (const cookie of cookies) expect(readable).not.toContain(cookie.value);

    // Sixteen minutes later on the API's clock, the 15-minute access token has expired.
    apiClockAhead = 16 * MINUTE;
    await seeMyInfo();
    await activity()
      .getByText(/^refreshToken: new access token/)
      .waitFor();
    await activity().getByText(`me: Grace Hopper <${user.email}>`).nth(1).waitFor();
    expect(operations).toEqual(["Me", "Login", "Me", "Me", "RefreshToken", "Me"]);
    expect(await myInfo().textContent()).toContain(user.email);
    await page.screenshot({ path: path.join(SCREENSHOTS, "web-example-after-refresh.png"), fullPage: true });

    await myInfo().getByRole("button", { name: "Log out" }).click();
    await myInfo().waitFor({ state: "hidden" });
    expect(await activity().textContent()).toContain("logout: the session has ended on the server");
    // The browser's session has ended on the server, and its refresh cookie is gone.
    const browserSessions = await api.prisma.session.findMany({ where: { userId: user.id, userAgent: { contains: "Chrome" } } });
    expect(browserSessions).toEqual([expect.objectContaining({ revokedReason: "LOGOUT" })]);
    expect(await context.cookies()).toEqual([]);

    await seeMyInfo();
    await loginForm().waitFor();
    expect(await myInfo().isHidden()).toBe(true);
    expect(operations.slice(-2)).toEqual(["Logout", "Me"]);
    await page.screenshot({ path: path.join(SCREENSHOTS, "web-example-after-logout.png"), fullPage: true });
  });

  test("when the refresh token has expired too, See my info shows the login form", async () => {
    const { user } = await signUp(api.url);
    await seeMyInfo();
    await logIn(user.email, PASSWORD);
    await myInfo().waitFor();

    apiClockAhead = 31 * 24 * 60 * MINUTE;
    await seeMyInfo();
    await loginForm().waitFor();
    expect(await myInfo().isHidden()).toBe(true);
    expect(operations.slice(-2)).toEqual(["Me", "RefreshToken"]);
    expect(await activity().textContent()).toMatch(/refreshToken: refused \(REFRESH_TOKEN_\w+\): log in again/);
  });

  test("two requests that find the token expired at once share one refresh", async () => {
    const { user } = await signUp(api.url);
    await seeMyInfo();
    await logIn(user.email, PASSWORD);
    await myInfo().waitFor();

    apiClockAhead = 16 * MINUTE;
    // A double click sends two `me` requests before either answer is back.
    await page.getByRole("button", { name: "See my info" }).dblclick();
    await activity().getByText(`me: Test User <${user.email}>`).nth(2).waitFor();
    expect(operations.slice(3)).toEqual(["Me", "Me", "RefreshToken", "Me", "Me"]);
    const sessions = await api.prisma.session.findMany({ where: { userId: user.id, userAgent: { contains: "Chrome" } } });
    expect(sessions).toEqual([expect.objectContaining({ revokedAt: null })]);
  });

  test("my posts: a draft written on the page is the user's own, listed for them and stored as theirs", async () => {
    const { user } = await signUp(api.url);
    await seeMyInfo();
    await logIn(user.email, PASSWORD);
    await myInfo().waitFor();

    const posts = myInfo().getByRole("region", { name: "My posts" });
    await posts.getByLabel("Title").fill("Notes from the browser");
    await posts.getByLabel("Text").fill("Written in Chromium.");
    await posts.getByRole("button", { name: "Save as draft" }).click();
    await posts.getByRole("list", { name: "Posts" }).getByText("Notes from the browser (draft)").waitFor();
    expect(await activity().textContent()).toContain('createPost: draft "Notes from the browser"');
    expect(operations.slice(-2)).toEqual(["CreatePost", "MyPosts"]);
    const stored = await api.prisma.post.findMany({ where: { authorId: user.id } });
    expect(stored).toEqual([expect.objectContaining({ title: "Notes from the browser", body: "Written in Chromium.", publishedAt: null })]);
  });

  test("a wrong password is said at the form, and no session starts", async () => {
    const { user } = await signUp(api.url);
    await seeMyInfo();
    await logIn(user.email, "not the password at all");
    await loginForm().getByRole("alert").getByText("Wrong email or password.").waitFor();
    expect(await myInfo().isHidden()).toBe(true);
    expect(await context.cookies()).toEqual([]);
  });
});
