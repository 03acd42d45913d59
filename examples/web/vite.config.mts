// `npm run web` serves this page at http://localhost:5173 in development.
import { defineConfig } from "vite";

// The page calls /graphql on its own origin and Vite forwards the call to the API. The refresh-token
// cookie (HttpOnly, SameSite=Strict, Path=/graphql) is then first-party, and the API needs no CORS
// rule for the page.
const forwardToApi = { "/graphql": { target: process.env.API_ORIGIN ?? "http://localhost:4000" } };

export default defineConfig({
  server: { proxy: forwardToApi },
  preview: { proxy: forwardToApi },
});
