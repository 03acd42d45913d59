import fs from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import type { RunningApp } from "../../src/app";
import { PROJECT_ROOT } from "../../src/projectRoot";
import { launchChromium } from "../support/browser";
import { uniqueEmail } from "../support/graphqlClient";
import { startTestServer } from "../support/testServer";
import { EVENT_DEADLINE_MS } from "../support/timeouts";
import { freePort, startWebDemo, type WebDemo } from "../support/webDemo";

const SCREENSHOTS = path.join(PROJECT_ROOT, "test-output");

// "Sign in with Development sign-in" on the See my info page (examples/web), clicked through in
// Chromium: the page draws a button per provider, the development provider's form takes an email,
// and the page comes back with a login code that it exchanges for a session, then shows my info.
describe("the See my info page signs in through the development provider", () => {
  let api: RunningApp;
  let web: WebDemo;
  let browser: Browser;

  beforeAll(async () => {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    const webPort = await freePort();
    api = await startTestServer({ APP_URL: `http://127.0.0.1:${webPort}`, OIDC_DEV_PROVIDER: "true" });
    web = await startWebDemo(api.url, webPort);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await api?.stop();
  });

  test("a new user clicks the button, types an email, and sees their info", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(EVENT_DEADLINE_MS);
    await page.goto(web.url);
    const button = page.getByRole("button", { name: "Sign in with Development sign-in" });
    await button.click();

    await page.getByRole("heading", { name: "Development sign-in" }).waitFor();
    const email = uniqueEmail("web-idp");
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Sign in" }).click();

    const myInfo = page.getByRole("region", { name: "My info" });
    await myInfo.waitFor();
    expect(await myInfo.textContent()).toContain(email);
    // The login code was read once and taken out of the address.
    expect(new URL(page.url()).hash).toBe("");
    expect(await page.getByRole("list", { name: "What happened" }).textContent()).toContain(
      "exchangeLoginCode: access token kept in memory",
    );
    await page.screenshot({ path: path.join(SCREENSHOTS, "web-example-identity-provider.png"), fullPage: true });
    await context.close();
  });
});
