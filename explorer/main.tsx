// The explorer served on GET /graphql to browsers (src/http/explorer.ts): GraphiQL, bundled at
// build time into dist/explorer by scripts/build.mjs, so it needs no CDN and works offline.
import { GraphiQL } from "graphiql";
import "graphiql/style.css";
import type { ComponentProps } from "react";
import { createRoot } from "react-dom/client";
import { EXAMPLE_OPERATIONS } from "../src/graphql/exampleOperations";
import "./page.css";
import { storageWithoutHeaders } from "./storageWithoutHeaders";

type Fetcher = ComponentProps<typeof GraphiQL>["fetcher"];

/** The API is this page's own origin: no CORS, and the page's CSP allows nothing else. */
const fetcher: Fetcher = async (params, options) => {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { ...options?.headers, "content-type": "application/json" },
    body: JSON.stringify(params),
  });
  return (await response.json()) as Record<string, unknown>;
};

const tabs = EXAMPLE_OPERATIONS.map((operation) => ({ query: operation.document, headers: operation.headers ?? null }));

const container = document.getElementById("explorer");
if (!container) throw new Error("index.html has no #explorer");
// Headers (where the access token goes) are never written to localStorage.
createRoot(container).render(
  <GraphiQL fetcher={fetcher} defaultTabs={tabs} defaultEditorToolsVisibility="headers" storage={storageWithoutHeaders()} />,
);
