import fs from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { RunningApp } from "../../src/app";
import { EXAMPLE_OPERATIONS } from "../../src/graphql/exampleOperations";
import { PROJECT_ROOT } from "../../src/projectRoot";
import { launchChromium } from "../support/browser";
import { run } from "../support/childProcess";
import { signUp } from "../support/graphqlClient";
import { startTestServer } from "../support/testServer";
import { EVENT_DEADLINE_MS } from "../support/timeouts";

const SCREENSHOTS = path.join(PROJECT_ROOT, "test-output");
/** What Chromium sends when someone opens the GraphQL URL. */
const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

// Production serves no landing page: test/security/requestLimits.test.ts ("production defaults").
describe("the landing page on GET /graphql, in development", () => {
  let app: RunningApp;

  beforeAll(async () => {
    // The explorer as `npm start` would serve it: bundled from explorer/ if anything changed.
    const build = await run(process.execPath, ["scripts/build.mjs", "--if-changed", "explorer"]);
    if (build.code !== 0) throw new Error(`the explorer's build failed:\n${build.stdout}${build.stderr}`);
    app = await startTestServer({ NODE_ENV: "development" });
  });
  afterAll(() => app?.stop());

  test("a browser gets the explorer, from the API's own origin, under a strict Content-Security-Policy", async () => {
    const response = await fetch(app.url, { headers: { accept: BROWSER_ACCEPT } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("connect-src 'self';");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await response.text();
    // Nothing from elsewhere, and no inline script: only the bundle, a same-origin file.
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    for (const asset of html.matchAll(/(?:src|href)="(\/explorer\/[^"]+)"/g)) {
      const file = await fetch(new URL(asset[1]!, app.url));
      expect(file.status).toBe(200);
      expect((await file.arrayBuffer()).byteLength).toBeGreaterThan(0);
      expect(file.headers.get("content-security-policy")).toBe(csp);
      expect(file.headers.get("x-content-type-options")).toBe("nosniff");
    }
    expect(html).toContain('href="/graphql?sandbox"');
  });

  test("API clients still get GraphQL on GET: curl's */* and JSON are not a browser", async () => {
    for (const accept of ["*/*", "application/json", "application/json, text/html;q=0.5"]) {
      const response = await fetch(`${app.url}?query=${encodeURIComponent("{ __typename }")}`, {
        headers: { accept, "apollo-require-preflight": "true" },
      });
      expect(await response.json()).toEqual({ data: { __typename: "Query" } });
    }
  });

  test("?sandbox is Apollo Sandbox, opened with the same example operations", async () => {
    const response = await fetch(`${app.url}?sandbox`, { headers: { accept: BROWSER_ACCEPT } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("EmbeddedSandbox");
    for (const operation of ["mutation Signup", "mutation Login", "query Me", "mutation Refresh", "mutation Logout"]) {
      expect(html).toContain(operation);
    }
  });

  test("a file the explorer does not have is not found", async () => {
    for (const pathname of ["/explorer/../package.json", "/explorer/%2e%2e/package.json", "/explorer/build-inputs.json"]) {
      const response = await fetch(new URL(pathname, app.url));
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain('"name"');
    }
  });

  describe("in Chromium, with no network beyond this machine", () => {
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    /** Requests the page tried to send anywhere but the API's origin. */
    let elsewhere: string[];
    /** What the browser refused under the page's Content-Security-Policy, and scripts' errors. */
    let refusals: string[];

    beforeAll(async () => {
      fs.mkdirSync(SCREENSHOTS, { recursive: true });
      browser = await launchChromium();
    });
    afterAll(() => browser?.close());

    beforeEach(async () => {
      elsewhere = [];
      refusals = [];
      context = await browser.newContext();
      await context.route("**/*", async (route) => {
        const { hostname } = new URL(route.request().url());
        if (hostname === "127.0.0.1" || hostname === "localhost") return route.continue();
        elsewhere.push(route.request().url());
        return route.abort("internetdisconnected");
      });
      page = await context.newPage();
      page.setDefaultTimeout(EVENT_DEADLINE_MS);
      page.on("console", (message) => {
        if (/Content Security Policy|Refused to/i.test(message.text())) refusals.push(message.text().slice(0, 300));
      });
      page.on("pageerror", (error) => refusals.push(error.message));
      await page.goto(app.url);
    });
    afterEach(() => context.close());

    test("the explorer shows the schema: the docs list Query's me, of type User", async () => {
      await page.getByRole("button", { name: /Show Documentation Explorer/i }).click();
      const docs = page.locator(".graphiql-doc-explorer");
      await docs.getByRole("link", { name: "Query" }).click();
      await docs.getByText(/^me$/).waitFor();
      await docs.getByRole("link", { name: "User" }).first().click();
      await docs.getByRole("link", { name: "email", exact: true }).waitFor();
      await page.screenshot({ path: path.join(SCREENSHOTS, "explorer-docs.png") });
      expect(elsewhere).toEqual([]);
      expect(refusals).toEqual([]);
    });

    test("its tabs are the example operations; `me` runs with the token put in the headers editor", async () => {
      const tabs = page.getByRole("tab");
      // Each tab's title, without its close button.
      const titles = await tabs.locator(".graphiql-tab-button").allTextContents();
      expect(titles).toEqual(EXAMPLE_OPERATIONS.map((operation) => operation.name));
      const { accessToken, user } = await signUp(app.url, { name: "Explorer User" });

      await tabs.filter({ hasText: "Me" }).click();
      // As a user pastes it: select what the headers editor holds, paste the headers with the token.
      await page.getByRole("button", { name: "Headers", exact: true }).click();
      await page.locator(".graphiql-editor-tool .CodeMirror").locator("visible=true").click();
      await page.keyboard.press("ControlOrMeta+A");
      await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${accessToken}` }));
      await page.getByRole("button", { name: /Execute query/i }).click();

      const result = page.locator(".result-window");
      await result.getByText(user.email).waitFor();
      expect(await result.textContent()).toContain("Explorer User");
      await page.screenshot({ path: path.join(SCREENSHOTS, "explorer-me.png") });
      expect(elsewhere).toEqual([]);
      expect(refusals).toEqual([]);
      // The token stays out of storage that outlives the page.
      expect(await page.evaluate<string>("JSON.stringify(localStorage)")).not.toContain(accessToken);
    });
  });
});
