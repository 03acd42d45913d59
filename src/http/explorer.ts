import crypto from "node:crypto";
import fs from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { PROJECT_ROOT } from "../projectRoot";

/** Where the explorer's script and style sheet are served from, on the API's own origin. */
export const EXPLORER_ASSETS_PATH = "/explorer/";
/** What `npm run build` writes (scripts/build.mjs bundles explorer/ there). */
const EXPLORER_BUILD = path.join(PROJECT_ROOT, "dist", "explorer");
/** The query parameter of GET /graphql that opens Apollo Sandbox instead of the explorer. */
export const SANDBOX_PARAMETER = "sandbox";

/**
 * The page loads only its own script and style sheet, and talks only to its own origin: no CDN, no
 * inline script, no framing. Inline style attributes are allowed because GraphiQL's editors set
 * sizes and positions that way; a <style> element injected by a script is not.
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    "img-src 'self' data:",
    // GraphiQL's style sheet carries its fonts inline, as data: URLs.
    "font-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; "),
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/** Said instead of the explorer when dist/explorer is missing (the sources run without a build). */
const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>GraphQL API explorer</title></head>
<body><h1>The explorer has not been built</h1>
<p>Run <code>npm run build</code> (or <code>npm start</code>), then reload this page.</p>
<p>Online, <a href="?${SANDBOX_PARAMETER}">Apollo Sandbox</a> works without a build.</p></body></html>
`;

interface StaticFile {
  body: Buffer;
  contentType: string;
  etag: string;
}

/** The explorer's files, read once at start-up: its page (GET /graphql from a browser) and its assets. */
export class Explorer {
  private constructor(
    private readonly page: StaticFile,
    private readonly assets: ReadonlyMap<string, StaticFile>,
  ) {}

  static load(dir = EXPLORER_BUILD): Explorer {
    const assets = new Map<string, StaticFile>();
    let page = staticFile(Buffer.from(NOT_BUILT_PAGE), ".html");
    for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
      const extension = path.extname(name);
      if (!(extension in CONTENT_TYPES)) continue;
      const file = staticFile(fs.readFileSync(path.join(dir, name)), extension);
      if (name === "index.html") page = file;
      else assets.set(`${EXPLORER_ASSETS_PATH}${name}`, file);
    }
    return new Explorer(page, assets);
  }

  sendPage(request: IncomingMessage, response: ServerResponse): void {
    send(request, response, this.page);
  }

  /** Answers a request under EXPLORER_ASSETS_PATH: the file, or 404. */
  sendAsset(pathname: string, request: IncomingMessage, response: ServerResponse): void {
    const file = this.assets.get(pathname);
    if (!file || (request.method !== "GET" && request.method !== "HEAD")) {
      response.statusCode = 404;
      response.setHeader("content-type", "text/plain; charset=utf-8");
      response.end("Not found.\n");
      return;
    }
    send(request, response, file);
  }
}

function staticFile(body: Buffer, extension: string): StaticFile {
  const etag = `"${crypto.createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
  return { body, contentType: CONTENT_TYPES[extension]!, etag };
}

/** The file, or 304 when the browser holds this version; revalidated each time, as a rebuild keeps the names. */
function send(request: IncomingMessage, response: ServerResponse, file: StaticFile): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
  response.setHeader("cache-control", "no-cache");
  response.setHeader("etag", file.etag);
  if (request.headers["if-none-match"] === file.etag) {
    response.statusCode = 304;
    response.end();
    return;
  }
  response.statusCode = 200;
  response.setHeader("content-type", file.contentType);
  response.setHeader("content-length", file.body.length);
  response.end(request.method === "HEAD" ? undefined : file.body);
}

/**
 * A browser opening the URL, not an API client: a GET whose Accept ranks text/html, named
 * explicitly, above JSON. Browsers send `text/html,...,*\/*;q=0.8`; curl sends `*\/*`, GraphQL
 * clients application/json. `?sandbox` asks for Apollo Sandbox instead, which Apollo serves.
 */
export function wantsExplorer(request: IncomingMessage, url: URL): boolean {
  if (request.method !== "GET" || url.searchParams.has(SANDBOX_PARAMETER)) return false;
  const ranks = acceptRanks(request.headers.accept ?? "");
  const html = ranks.get("text/html") ?? 0;
  const json = Math.max(ranks.get("application/json") ?? 0, ranks.get("application/*") ?? 0, ranks.get("*/*") ?? 0);
  return html > 0 && html > json;
}

/** Each media range of an Accept header with its weight (q, 1 when absent). */
function acceptRanks(accept: string): Map<string, number> {
  const ranks = new Map<string, number>();
  for (const range of accept.split(",")) {
    const [type = "", ...parameters] = range.split(";").map((part) => part.trim().toLowerCase());
    const q = parameters.find((parameter) => parameter.startsWith("q="));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    if (type !== "" && Number.isFinite(weight)) ranks.set(type, weight);
  }
  return ranks;
}
