import fs from "node:fs";
import path from "node:path";
import jsQR from "jsqr";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import type { RunningApp } from "../../src/app";
import { launchChromium } from "../support/browser";
import { PROJECT_ROOT } from "../../src/projectRoot";
import { RequestEmailChangeDocument } from "../support/generated/graphql";
import { graphql, LOGIN, ME, PASSWORD, signUp, uniqueEmail } from "../support/graphqlClient";
import { codeAt } from "../support/secondFactor";
import { mailedLink, startSmtpServer, type TestSmtpServer } from "../support/smtpServer";
import { startTestServer } from "../support/testServer";
import { EVENT_DEADLINE_MS } from "../support/timeouts";
import { waitUntil } from "../support/waitUntil";
import { freePort, startWebDemo, type WebDemo } from "../support/webDemo";

const SCREENSHOTS = path.join(PROJECT_ROOT, "test-output");

/** What the tests read of the browser's window. */
interface BrowserWindow {
  getComputedStyle(element: unknown): { color: string; backgroundColor: string; borderLeftStyle: string };
}
const MINUTE = 60_000;

// The "See my info" story (docs/sessions-and-tokens.md), clicked through in a real browser: no
// session shows the login form (with a sign-up form a click away), login shows the user's own
// info, a reload keeps the session, an expired access token is refreshed and the request retried,
// log out ends it all and says so; a forgotten password is reset with a mailed link that opens the
// page. Errors look like errors, and an API that does not answer is named, with how to start it. The page is built from examples/web, the real API runs behind
// it and mails to an SMTP server in this process, and the API's clock is moved to expire tokens.
/**
 * What the page sent after its access token expired: one refresh among `me` requests, the last one
 * a `me`. Only the count is fixed, not the order: the live socket's close ("token expired", within
 * half a second of the API's clock jumping) refreshes by itself after a 2-second pause, and on a
 * slow machine that can come before a click's `me`, which then shares or follows that refresh.
 */
function expectOneRefreshAmongMe(sent: string[]): void {
  expect(sent.filter((name) => name === "RefreshToken")).toEqual(["RefreshToken"]);
  expect(sent.filter((name) => name !== "RefreshToken" && name !== "Me")).toEqual([]);
  expect(sent.at(-1)).toBe("Me");
}

describe("the See my info page (examples/web) in Chromium", () => {
  let apiClockAhead = 0;
  let smtp: TestSmtpServer;
  let api: RunningApp;
  let web: WebDemo;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** The GraphQL operations the page sent, by name, in order. */
  let operations: string[];

  beforeAll(async () => {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    smtp = await startSmtpServer();
    // Mailed links open the page, as APP_URL=http://localhost:5173 does in development.
    const webPort = await freePort();
    api = await startTestServer({ SMTP_URL: smtp.url, APP_URL: `http://127.0.0.1:${webPort}` }, () => Date.now() + apiClockAhead);
    web = await startWebDemo(api.url, webPort);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await api?.stop();
    await smtp?.stop();
  });

  beforeEach(async () => {
    apiClockAhead = 0;
    operations = [];
    context = await browser.newContext();
    page = await context.newPage();
    // Every step answers within milliseconds on a quiet machine; the deadline is for a busy one.
    page.setDefaultTimeout(EVENT_DEADLINE_MS);
    page.on("request", (request) => {
      const name = /^\s*(?:query|mutation)\s+(\w+)/.exec((request.postDataJSON() as { query?: string } | null)?.query ?? "")?.[1];
      if (name) operations.push(name);
    });
    await page.goto(web.url);
    // On load the page tries the refresh cookie once; with none, it shows the login form with a button per identity provider.
    await loginForm().waitFor();
    expect(operations).toEqual(["RefreshToken", "IdentityProviders"]);
    operations = [];
  });
  afterEach(() => context.close());

  const loginForm = () => page.getByRole("region", { name: "Log in" });
  const signupForm = () => page.getByRole("region", { name: "Sign up" });
  const myInfo = () => page.getByRole("region", { name: "My info" });
  const forgotPassword = () => page.getByRole("region", { name: "Forgot password" });
  const mailedLinkView = () => page.getByRole("region", { name: "Mailed link" });
  const newPassword = () => page.getByRole("region", { name: "Choose a new password" });
  const activity = () => page.getByRole("list", { name: "What happened" });
  const whatHappenedHeading = () => page.getByRole("heading", { name: "What happened" });

  /** An error is set apart from the text around it: red, on a band of its own. */
  async function expectShownAsError(alert: Locator) {
    const style = await alert.evaluate((element) => {
      // The page's window: this file is typed without the DOM, but the function runs in the browser.
      const computed = (globalThis as unknown as BrowserWindow).getComputedStyle(element);
      return { color: computed.color, background: computed.backgroundColor, border: computed.borderLeftStyle };
    });
    expect(style).toEqual({ color: "rgb(170, 0, 0)", background: expect.not.stringMatching(/rgba\(0, 0, 0, 0\)/), border: "solid" });
  }
  const twoStep = () => myInfo().getByRole("region", { name: "Two-step sign-in" });
  const secondStep = () => page.getByRole("region", { name: "Two-step sign-in code" });

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

    expect(await myInfo().isHidden()).toBe(true);
    expect(await activity().textContent()).toContain("on load: no session to resume: showing the login form");
    // The way to every other operation: the API's own explorer.
    expect(await page.getByRole("link", { name: "the API's explorer" }).getAttribute("href")).toBe(api.url);
    await seeMyInfo();
    await activity().getByText("me: UNAUTHENTICATED (NOT_AUTHENTICATED): showing the login form").waitFor();
    expect(await loginForm().isVisible()).toBe(true);

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
    // Usually the click's Me, refused, then the refresh and the Me again.
    expectOneRefreshAmongMe(operations.slice(3));
    expect(await myInfo().textContent()).toContain(user.email);
    await page.screenshot({ path: path.join(SCREENSHOTS, "web-example-after-refresh.png"), fullPage: true });

    await myInfo().getByRole("button", { name: "Log out" }).click();
    // Not a blank page: the login form, and a word that the logout happened.
    await loginForm().getByRole("status").getByText("Logged out.").waitFor();
    expect(await myInfo().isHidden()).toBe(true);
    expect(await activity().textContent()).toContain("logout: the session has ended on the server");
    // The browser's session has ended on the server, and its refresh cookie is gone.
    const browserSessions = await api.prisma.session.findMany({ where: { userId: user.id, userAgent: { contains: "Chrome" } } });
    expect(browserSessions).toEqual([expect.objectContaining({ revokedReason: "LOGOUT" })]);
    expect(await context.cookies()).toEqual([]);

    await seeMyInfo();
    await activity().getByText("me: UNAUTHENTICATED (NOT_AUTHENTICATED): showing the login form").nth(1).waitFor();
    expect(await myInfo().isHidden()).toBe(true);
    expect(operations.slice(-2)).toEqual(["Logout", "Me"]);
    await page.screenshot({ path: path.join(SCREENSHOTS, "web-example-after-logout.png"), fullPage: true });
  });

  test("when the refresh token has expired too, See my info shows the login form", async () => {
    const { user } = await signUp(api.url);
    await logIn(user.email, PASSWORD);
    await myInfo().waitFor();

    const sentBefore = operations.length;
    apiClockAhead = 31 * 24 * 60 * MINUTE;
    await seeMyInfo();
    await loginForm().waitFor();
    expect(await myInfo().isHidden()).toBe(true);
    // The click's `Me` and the live socket's close ("token expired", by the API's clock, which
    // jumped) both find the token expired; whichever asks first refreshes, the other shares that
    // refresh. So one of each, in either order, and nothing else.
    expect(operations.slice(sentBefore).sort()).toEqual(["Me", "RefreshToken"]);
    expect(await activity().textContent()).toMatch(/refreshToken: refused \(REFRESH_TOKEN_\w+\): log in again/);
  });

  test("two requests that find the token expired at once share one refresh", async () => {
    const { user } = await signUp(api.url);
    await logIn(user.email, PASSWORD);
    await myInfo().waitFor();

    apiClockAhead = 16 * MINUTE;
    // A double click sends two `me` requests before either answer is back.
    await page.getByRole("button", { name: "See my info" }).dblclick();
    await activity().getByText(`me: Test User <${user.email}>`).nth(2).waitFor();
    // Usually both Me, refused, then one refresh and both Me again.
    expectOneRefreshAmongMe(operations.slice(2));
    const sessions = await api.prisma.session.findMany({ where: { userId: user.id, userAgent: { contains: "Chrome" } } });
    expect(sessions).toEqual([expect.objectContaining({ revokedAt: null })]);
  });

  test("my posts: a draft written on the page is the user's own, listed for them and stored as theirs", async () => {
    const { user } = await signUp(api.url);
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
    await logIn(user.email, "not the password at all");
    const alert = loginForm().getByRole("alert");
    await alert.getByText("Wrong email or password.").waitFor();
    await expectShownAsError(alert);
    expect(await myInfo().isHidden()).toBe(true);
    expect(await context.cookies()).toEqual([]);
  });

  test("a reload is not a logout: the page resumes the session of its refresh cookie", async () => {
    const { user } = await signUp(api.url, { name: "Mary Jackson" });
    await logIn(user.email, PASSWORD);
    await myInfo().waitFor();
    operations = [];

    await page.reload();
    await myInfo().getByText(user.email).waitFor();
    expect(await loginForm().isHidden()).toBe(true);
    expect(await activity().textContent()).toContain(`on load: your session goes on, Mary Jackson <${user.email}>`);
    // One refresh, then `me` for what only it tells (the second factors); no login.
    expect(operations).toEqual(["RefreshToken", "Me"]);
    // The resumed session works as the first did: one more `me` line (loading may have written one already).
    const meLines = activity().getByText(`me: Mary Jackson <${user.email}>`);
    const before = await meLines.count();
    await seeMyInfo();
    await waitUntil(async () => (await meLines.count()) === before + 1, "the me line of See my info");
  });

  test("sign up on the page: the new account is signed in, its refresh token in the cookie", async () => {
    const email = uniqueEmail("web-signup");
    await loginForm().getByRole("button", { name: "Sign up" }).click();
    await signupForm().waitFor();
    expect(await loginForm().isHidden()).toBe(true);
    await signupForm().getByLabel("Name").fill("Dorothy Vaughan");
    await signupForm().getByLabel("Email").fill(email);
    await signupForm().getByLabel("Password").fill(PASSWORD);
    await signupForm().getByRole("button", { name: "Sign up" }).click();

    await myInfo().waitFor();
    expect(await signupForm().isHidden()).toBe(true);
    expect(await myInfo().textContent()).toMatch(new RegExp(`Name\\s*Dorothy Vaughan\\s*Email\\s*${email}\\s*Role\\s*USER`));
    expect(operations).toEqual(["Signup", "Me"]);
    expect(await context.cookies()).toContainEqual(expect.objectContaining({ httpOnly: true, path: "/graphql" }));
    expect(await api.prisma.user.findUnique({ where: { email } })).toEqual(expect.objectContaining({ name: "Dorothy Vaughan" }));
    await smtp.nextMailTo(email); // the verification mail
    await page.screenshot({ path: path.join(SCREENSHOTS, "web-example-after-signup.png"), fullPage: true });
  });

  test("sign up: what the API refuses is said at the form, as an error", async () => {
    const { user } = await signUp(api.url);
    await loginForm().getByRole("button", { name: "Sign up" }).click();
    await signupForm().getByLabel("Name").fill("Someone Else");
    await signupForm().getByLabel("Email").fill(uniqueEmail("short"));
    await signupForm().getByLabel("Password").fill("short");
    await signupForm().getByRole("button", { name: "Sign up" }).click();
    const alert = signupForm().getByRole("alert");
    await alert.getByText(/The password must have at least \d+ characters\./).waitFor();
    await expectShownAsError(alert);

    // The same email twice: refused, and nothing signs in.
    await signupForm().getByLabel("Email").fill(user.email);
    await signupForm().getByLabel("Password").fill(PASSWORD);
    await signupForm().getByRole("button", { name: "Sign up" }).click();
    await alert.getByText("An account with this email already exists. Log in instead.").waitFor();
    expect(await myInfo().isHidden()).toBe(true);
    expect(await context.cookies()).toEqual([]);
    await signupForm().getByRole("button", { name: "Log in" }).click();
    await loginForm().waitFor();
  });

  test("Forgot password?: a mailed link opens the page, a new password signs in; only the new password logs in", async () => {
    const NEW_PASSWORD = "a brand new passphrase";
    const { user, accessToken } = await signUp(api.url, { name: "Katherine Johnson" });
    await smtp.nextMailTo(user.email); // signup's verification mail

    await loginForm().getByLabel("Email").fill(user.email);
    await loginForm().getByRole("button", { name: "Forgot password?" }).click();
    await forgotPassword().waitFor();
    expect(await loginForm().isHidden()).toBe(true);
    // The email typed at the login form need not be typed again.
    expect(await forgotPassword().getByLabel("Email").inputValue()).toBe(user.email);
    await forgotPassword().getByRole("button", { name: "Send me a link" }).click();
    await forgotPassword().getByRole("status").getByText("If an account exists, a link is on its way.").waitFor();

    const mail = await smtp.nextMailTo(user.email);
    expect(mail.subject).toBe("Reset your password");
    const link = mailedLink(mail);
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/reset-password\?token=/);
    expect(new URL(link).origin).toBe(new URL(web.url).origin);

    const opened = await page.goto(link);
    // The token is in the address: it must not travel on as a Referer, nor stay in the history.
    expect(opened?.headers()["referrer-policy"]).toBe("no-referrer");
    await newPassword().waitFor();
    expect(page.url()).toBe(web.url);
    expect(await whatHappenedHeading().isHidden()).toBe(true);
    expect(await loginForm().isHidden()).toBe(true);
    await page.screenshot({ path: path.join(SCREENSHOTS, "web-example-choose-new-password.png"), fullPage: true });
    await newPassword().getByLabel("New password").fill(NEW_PASSWORD);
    await newPassword().getByRole("button", { name: "Set new password" }).click();
    await myInfo().waitFor();
    expect(await newPassword().isHidden()).toBe(true);
    expect(await myInfo().textContent()).toMatch(new RegExp(`Name\\s*Katherine Johnson\\s*Email\\s*${user.email}\\s*Role\\s*USER`));
    expect(operations).toEqual(["RequestPasswordReset", "ResetPassword", "Me"]);
    expect(await activity().textContent()).toContain("resetPassword: access token kept in memory");
    expect(await context.cookies()).toContainEqual(expect.objectContaining({ httpOnly: true, path: "/graphql" }));
    await page.screenshot({ path: path.join(SCREENSHOTS, "web-example-after-password-reset.png"), fullPage: true });

    // The session from before the reset has ended; the old password no longer logs in, the new one does.
    expect((await graphql(api.url, ME, {}, { token: accessToken })).errors?.[0]?.extensions?.reason).toBe("SESSION_ENDED");
    const withOldPassword = await graphql(api.url, LOGIN, { input: { email: user.email, password: PASSWORD } });
    expect(withOldPassword.errors?.[0]?.extensions?.reason).toBe("INVALID_CREDENTIALS");
    const withNewPassword = await graphql(api.url, LOGIN, { input: { email: user.email, password: NEW_PASSWORD } });
    expect(withNewPassword.data?.login.user.id).toBe(user.id);

    // The same link again: the form says it is spent, and offers a new one.
    await page.goto(link);
    await newPassword().getByLabel("New password").fill("yet another passphrase");
    await newPassword().getByRole("button", { name: "Set new password" }).click();
    await newPassword().getByRole("alert").getByText("This link has already been used. Ask for a new one.").waitFor();
    expect(await myInfo().isHidden()).toBe(true);
    await newPassword().getByRole("button", { name: "Ask for a new link" }).click();
    await forgotPassword().waitFor();
  });

  test("a verification link opens the page, and only its button verifies the address", async () => {
    const { user } = await signUp(api.url);
    const link = mailedLink(await smtp.nextMailTo(user.email));
    expect(new URL(link).pathname).toBe("/verify-email");

    await page.goto(link);
    await mailedLinkView().waitFor();
    expect(page.url()).toBe(web.url);
    // Nothing has happened yet, so there is no "What happened" to show, not even its heading.
    expect(await whatHappenedHeading().isHidden()).toBe(true);
    // Opening the link (as a mail scanner might) spends nothing.
    expect((await api.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).emailVerifiedAt).toBeNull();
    await mailedLinkView().getByRole("button", { name: "Verify my email" }).click();
    await mailedLinkView().getByText("Your email address is verified.").waitFor();
    expect(await whatHappenedHeading().isVisible()).toBe(true);
    expect(await activity().textContent()).toContain("verifyEmail: the email address is verified");
    expect(operations).toEqual(["VerifyEmail"]);
    expect((await api.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).emailVerifiedAt).not.toBeNull();

    // The same link again: the page says it is spent.
    await page.goto(link);
    await mailedLinkView().getByRole("button", { name: "Verify my email" }).click();
    await mailedLinkView().getByRole("alert").getByText("This link has already been used. Ask for a new one.").waitFor();
  });

  test("an email-change link opens the page; its button moves the account to the new address and ends its sessions", async () => {
    const { user, accessToken } = await signUp(api.url);
    await smtp.nextMailTo(user.email); // signup's verification mail
    const newEmail = uniqueEmail("moved");
    const request = await graphql(api.url, RequestEmailChangeDocument, { newEmail, currentPassword: PASSWORD }, { token: accessToken });
    expect(request.errors).toBeUndefined();
    const link = mailedLink(await smtp.nextMailTo(newEmail));
    expect(new URL(link).pathname).toBe("/confirm-email-change");

    await page.goto(link);
    await mailedLinkView().getByRole("button", { name: "Use this address" }).click();
    await mailedLinkView().getByText("Your account now uses this address. Every session has ended: log in with it.").waitFor();
    expect(operations).toEqual(["ConfirmEmailChange"]);
    expect((await api.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).email).toBe(newEmail);
    expect((await graphql(api.url, ME, {}, { token: accessToken })).errors?.[0]?.extensions?.reason).toBe("SESSION_ENDED");
    await seeMyInfo();
    await loginForm().waitFor();
    await logIn(newEmail, PASSWORD);
    await myInfo().getByText(newEmail).waitFor();
  });

  test("two-step sign-in: set up from the QR code, recovery codes shown once; the next login asks for the app's code", async () => {
    const { user } = await signUp(api.url, { name: "Margaret Hamilton" });
    await seeMyInfo();
    await logIn(user.email, PASSWORD);
    await twoStep().getByText("Off: signing in takes your password only.").waitFor();

    await twoStep().getByRole("button", { name: "Set up two-step sign-in" }).click();
    const qr = twoStep().getByRole("img", { name: "QR code for your authenticator app" });
    await qr.waitFor();
    await page.waitForFunction('document.getElementById("two-step-qr").complete');
    // The screenshot of the QR code is one that a phone's camera reads: decoded from the pixels the
    // browser drew, it is the Key URI of the secret the page shows.
    const shot = await qr.screenshot({ path: path.join(SCREENSHOTS, "web-example-totp-qr-code.png") });
    const pixels = await page.evaluate<{ rgba: number[]; width: number; height: number }>(`(async () => {
      const image = new Image();
      image.src = "data:image/png;base64,${shot.toString("base64")}";
      await image.decode();
      const draw = new OffscreenCanvas(image.width, image.height).getContext("2d");
      draw.drawImage(image, 0, 0);
      return { rgba: Array.from(draw.getImageData(0, 0, image.width, image.height).data), width: image.width, height: image.height };
    })()`);
    const scanned = jsQR(Uint8ClampedArray.from(pixels.rgba), pixels.width, pixels.height);
    const secret = (await twoStep().locator("#two-step-secret").textContent())!;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(scanned?.data).toBe(`otpauth://totp/GraphQL%20Auth%20API:${user.email}?secret=${secret}&issuer=GraphQL%20Auth%20API`);
    await page.screenshot({ path: path.join(SCREENSHOTS, "web-example-two-step-setup.png"), fullPage: true });

    // The test is the authenticator app: it computes the codes from the secret that the QR code holds.
    const form = twoStep();
    await form.getByLabel("Code from the app").fill("000000");
    await form.getByRole("button", { name: "Turn on" }).click();
    await form.getByRole("alert").getByText("This code is wrong").waitFor();
    await form.getByLabel("Code from the app").fill(codeAt(secret, Date.now() + apiClockAhead));
    await form.getByRole("button", { name: "Turn on" }).click();
    const codes = twoStep().getByRole("list", { name: "Recovery codes" }).getByRole("listitem");
    await codes.first().waitFor();
    expect(await codes.count()).toBe(10);
    const shownCodes = await codes.allTextContents();
    await twoStep().getByText("On: signing in takes your password and a code.").waitFor();
    expect(await api.prisma.secondFactor.count({ where: { userId: user.id } })).toBe(1);
    await page.screenshot({ path: path.join(SCREENSHOTS, "web-example-recovery-codes.png"), fullPage: true });

    await myInfo().getByRole("button", { name: "Log out" }).click();
    await myInfo().waitFor({ state: "hidden" });
    // Logged out, the page holds neither the secret nor the codes for the next person at it.
    const afterLogout = await page.content();
    expect(afterLogout).not.toContain(secret);
    for (const code of shownCodes) expect(afterLogout).not.toContain(code);
    await seeMyInfo();
    await logIn(user.email, PASSWORD);
    await secondStep().waitFor();
    expect(await myInfo().isHidden()).toBe(true);
    // The next 30-second step: a new code (the one that turned it on is spent).
    apiClockAhead = 30_000;
    await secondStep()
      .getByLabel("Code")
      .fill(codeAt(secret, Date.now() + apiClockAhead));
    await secondStep().getByRole("button", { name: "Verify" }).click();
    await myInfo().waitFor();
    expect(await myInfo().textContent()).toContain("Margaret Hamilton");
    await twoStep().getByText("On: signing in takes your password and a code.").waitFor();
    // The recovery codes were shown that once.
    expect(await twoStep().getByRole("list", { name: "Recovery codes" }).count()).toBe(0);
    expect(operations.slice(-4)).toEqual(["Me", "Login", "VerifySecondFactor", "Me"]);
    // The level-2 session's refresh token went back into the HttpOnly cookie.
    expect(await context.cookies()).toContainEqual(expect.objectContaining({ httpOnly: true, path: "/graphql" }));
  });
});

describe("the See my info page with the API down", () => {
  let web: WebDemo;
  let apiOrigin: string;
  let browser: Browser;

  beforeAll(async () => {
    // The page forwards /graphql to a port nothing listens on, as when `npm start` was not run.
    apiOrigin = `http://127.0.0.1:${await freePort()}`;
    web = await startWebDemo(`${apiOrigin}/graphql`);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  test("the page says the API at API_ORIGIN is not answering, and how to start it", async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(EVENT_DEADLINE_MS);
      await page.goto(web.url);
      const problem = page.locator("#problem");
      await problem.getByText(`The API at ${apiOrigin} is not answering.`).waitFor();
      expect(await problem.getAttribute("role")).toBe("alert");
      expect(await problem.textContent()).toContain('Start it with "npm start" in the repository');
      expect(await page.getByRole("region", { name: "Log in" }).isVisible()).toBe(true);

      // The same words at a form, where the answer would have gone.
      const loginForm = page.getByRole("region", { name: "Log in" });
      await loginForm.getByLabel("Email").fill("ada@example.com");
      await loginForm.getByLabel("Password").fill(PASSWORD);
      await loginForm.getByRole("button", { name: "Log in" }).click();
      await loginForm.getByRole("alert").getByText(`The API at ${apiOrigin} is not answering.`).waitFor();
      // Said once, where the user looks: the form's error replaces the page's.
      expect(await problem.textContent()).toBe("");
      await page.screenshot({ path: path.join(SCREENSHOTS, "web-example-api-down.png"), fullPage: true });
    } finally {
      await context.close();
    }
  });
});
