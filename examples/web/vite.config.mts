// `npm run web` serves this page at http://localhost:5173 in development.
import { defineConfig } from "vite";

// The page calls /graphql on its own origin and Vite forwards the call to the API. The refresh-token
// cookie (HttpOnly, SameSite=Strict, Path=/graphql) is then first-party, and the API needs no CORS
// rule for the page.
const apiOrigin = process.env.API_ORIGIN ?? "http://localhost:4000";
// /auth/{id}/start too: the sign-in buttons open it on the page's origin, and the cookie that binds
// the sign-in to this browser is set for this host. `ws`: the subscriptions' WebSocket on /graphql
// goes along too, with the page's Origin, which the API checks against CORS_ORIGINS.
const forwardToApi = { "/graphql": { target: apiOrigin, ws: true }, "/auth": { target: apiOrigin } };

// Mailed links open this page as /reset-password?token=...: Vite answers every such path with
// index.html (appType "spa", the default), and no request from the page may carry the token away
// in a Referer header (docs/security.md, "Links and the web app").
const headers = { "Referrer-Policy": "no-referrer" };

export default defineConfig({
  appType: "spa",
  // The page names the API it cannot reach: "The API at http://localhost:4000 is not answering".
  define: { __API_ORIGIN__: JSON.stringify(apiOrigin) },
  server: { proxy: forwardToApi, headers },
  preview: { proxy: forwardToApi, headers },
});
