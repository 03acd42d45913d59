import type { RunningApp } from "../src/app";
import { startTestServer } from "./support/testServer";

/** What a browser sends when someone opens the GraphQL URL. */
function openInBrowser(app: RunningApp): Promise<Response> {
  return fetch(app.url, { headers: { accept: "text/html" } });
}

describe("the landing page on GET /graphql", () => {
  test("in development it is Apollo Sandbox, opened with the example operations", async () => {
    const app = await startTestServer({ NODE_ENV: "development", LOG_LEVEL: "silent" });
    try {
      const response = await openInBrowser(app);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      const html = await response.text();
      expect(html).toContain("EmbeddedSandbox");
      expect(html).toContain("mutation Signup");
      expect(html).toContain("query Me");
    } finally {
      await app.stop();
    }
  });

  test("in production there is no landing page", async () => {
    const app = await startTestServer({ NODE_ENV: "production", LOG_LEVEL: "silent" });
    try {
      const response = await openInBrowser(app);
      expect(response.headers.get("content-type")).not.toMatch(/^text\/html/);
      const body = await response.text();
      expect(body).not.toContain("EmbeddedSandbox");
      expect(body).not.toContain("mutation Signup");
    } finally {
      await app.stop();
    }
  });
});
