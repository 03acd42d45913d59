import { startTestServer } from "../support/testServer";

// Production serves no landing page: test/security/requestLimits.test.ts ("production defaults").
describe("the landing page on GET /graphql", () => {
  test("in development it is Apollo Sandbox, opened with the example operations", async () => {
    const app = await startTestServer({ NODE_ENV: "development", LOG_LEVEL: "silent" });
    try {
      // What a browser sends when someone opens the GraphQL URL.
      const response = await fetch(app.url, { headers: { accept: "text/html" } });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      const html = await response.text();
      expect(html).toContain("EmbeddedSandbox");
      for (const operation of ["mutation Signup", "mutation Login", "query Me", "mutation Refresh", "mutation Logout"]) {
        expect(html).toContain(operation);
      }
    } finally {
      await app.stop();
    }
  });
});
