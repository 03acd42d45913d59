import crypto from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { HeaderMap, type ApolloServer, type HTTPGraphQLRequest } from "@apollo/server";
import type { SigningKeys } from "../auth/tokens/signingKeys";
import type { HttpConfig } from "../config";
import { buildContext, type GraphQLContext, type RequestLogFields } from "../graphql/context";
import type { Logger } from "../logger";
import type { Services } from "../services";
import { applyCors } from "./cors";
import { DEV_PROVIDER_PATH, type DevIdentityProvider } from "./devIdentityProvider";
import { Explorer, EXPLORER_ASSETS_PATH, wantsExplorer } from "./explorer";
import { isIdentityRoute, serveIdentityRoute } from "./identityRoutes";
import { JWKS_CACHE_CONTROL, JWKS_PATH } from "./jwks";
import { sendJson, sendJsonError } from "./jsonResponse";
import { GRAPHQL_PATH } from "./paths";
import type { Readiness } from "./readiness";
import { passkeyLoginSetCookie } from "./passkeyLoginCookie";
import { setCookieHeader } from "./refreshTokenCookie";
import { logWhenDone, withoutRedaction } from "./requestLog";
import { readRequest } from "./requestReader";
import { untrustedProxyWarning } from "./untrustedProxyWarning";

interface HttpServerDeps {
  config: HttpConfig;
  apollo: ApolloServer<GraphQLContext>;
  services: Services;
  signingKeys: SigningKeys;
  logger: Logger;
  readiness: Readiness;
  /** Milliseconds since the epoch, for the refresh cookie's Max-Age; tests replace it to move time. */
  now: () => number;
  /** The development provider (OIDC_DEV_PROVIDER), once it exists: it needs the address the server listens on. */
  devIdentityProvider: () => DevIdentityProvider | undefined;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A plain node:http server: GraphQL on /graphql through Apollo's framework-neutral
 * `executeHTTPGraphQLRequest`, the explorer for browsers that open /graphql, the public keys of
 * access tokens (JWKS), CORS, a liveness and a readiness probe, and one log line per request. No web framework: less code on the hot path.
 */
export function createHttpServer(deps: HttpServerDeps): http.Server {
  const requestLogger = withoutRedaction(deps.logger);
  // The explorer is the landing page: on in development, off in production (LANDING_PAGE).
  const explorer = deps.config.landingPage ? Explorer.load() : undefined;
  const warnOfUntrustedProxy = untrustedProxyWarning(deps.logger, deps.config.trustProxyHops);
  const server = http.createServer((request, response) => {
    warnOfUntrustedProxy(request);
    const requestId = crypto.randomUUID();
    response.setHeader("x-request-id", requestId);
    const log: RequestLogFields = {};
    logWhenDone(requestLogger, request, response, requestId, log);
    route(deps, explorer, request, response, requestId, log).catch((error: unknown) => {
      if (error instanceof HttpError) {
        sendJsonError(response, error.status, error.message, { code: "BAD_REQUEST", requestId });
        return;
      }
      deps.logger.error({ requestId, err: error }, "request failed");
      sendJsonError(response, 500, "Internal server error.", { code: "INTERNAL_SERVER_ERROR", requestId });
    });
  });
  // Slow-loris protection: a client gets this long to send its headers and whole request.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  return server;
}

async function route(
  deps: HttpServerDeps,
  explorer: Explorer | undefined,
  request: IncomingMessage,
  response: ServerResponse,
  requestId: string,
  log: RequestLogFields,
): Promise<void> {
  const url = new URL(request.url ?? "/", "http://localhost");
  if (applyCors(request, response, deps.config.corsOrigins)) return;
  if (url.pathname === JWKS_PATH) {
    response.setHeader("cache-control", JWKS_CACHE_CONTROL);
    sendJson(response, 200, deps.signingKeys.jwks());
    return;
  }
  if (url.pathname === "/healthz") {
    sendJson(response, 200, { status: "ok" });
    return;
  }
  if (url.pathname === "/readyz") {
    const report = await deps.readiness.check();
    closeConnectionIfDraining(deps, response);
    sendJson(response, report.status === "ready" ? 200 : 503, report);
    return;
  }
  if (explorer && url.pathname.startsWith(EXPLORER_ASSETS_PATH)) {
    explorer.sendAsset(url.pathname, request, response);
    return;
  }
  if (explorer && url.pathname === GRAPHQL_PATH && wantsExplorer(request, url)) {
    explorer.sendPage(request, response);
    return;
  }
  if (isIdentityRoute(url.pathname)) {
    await serveIdentityRoute(deps.services, request, response, url, deps.config.trustProxyHops, deps.logger);
    return;
  }
  const devIdentityProvider = deps.devIdentityProvider();
  if (devIdentityProvider && (url.pathname === DEV_PROVIDER_PATH || url.pathname.startsWith(`${DEV_PROVIDER_PATH}/`))) {
    await devIdentityProvider.handle(request, response);
    return;
  }
  if (url.pathname !== GRAPHQL_PATH) {
    sendJsonError(response, 404, `Not found. GraphQL is served at ${GRAPHQL_PATH}.`);
    return;
  }
  const httpGraphQLRequest: HTTPGraphQLRequest = {
    method: (request.method ?? "GET").toUpperCase(),
    headers: headerMap(request),
    search: url.search,
    body: await readBody(request, deps.config.maxBodyBytes),
  };
  const values = readRequest(request, deps.config.trustProxyHops);
  const context = buildContext(deps.services, requestId, values, log);
  const result = await deps.apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest, context: async () => context });
  response.statusCode = result.status ?? 200;
  for (const [name, value] of result.headers) response.setHeader(name, value);
  // Resolvers say what should happen to the refresh-token cookie; Apollo knows nothing of cookies.
  const cookie = context.refreshCookieOut.change;
  const passkeyCookie = context.passkeyHandleOut.change;
  const cookies = [
    ...(cookie ? [setCookieHeader(cookie, deps.now())] : []),
    ...(passkeyCookie ? [passkeyLoginSetCookie(passkeyCookie)] : []),
  ];
  if (cookies.length > 0) response.setHeader("set-cookie", cookies);
  closeConnectionIfDraining(deps, response);
  if (result.body.kind === "complete") {
    response.end(result.body.string);
    return;
  }
  for await (const chunk of result.body.asyncIterator) response.write(chunk);
  response.end();
}

/** While draining, answers close their connection, so that keep-alive clients reconnect elsewhere. */
function closeConnectionIfDraining(deps: HttpServerDeps, response: ServerResponse): void {
  if (deps.readiness.isDraining) response.setHeader("connection", "close");
}

function headerMap(request: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  return headers;
}

/** The parsed JSON body, or the raw text for other content types (Apollo judges those). */
async function readBody(request: IncomingMessage, limit: number): Promise<unknown> {
  if (request.method === "GET" || request.method === "HEAD") return undefined;
  const declared = Number(request.headers["content-length"]);
  if (declared > limit) throw new HttpError(413, `The request body is larger than ${limit} bytes.`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, `The request body is larger than ${limit} bytes.`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  const contentType = request.headers["content-type"] ?? "";
  if (!/^application\/(graphql-response\+)?json\b/i.test(contentType)) return text;
  try {
    return text === "" ? undefined : JSON.parse(text);
  } catch {
    throw new HttpError(400, "The request body is not valid JSON.");
  }
}
