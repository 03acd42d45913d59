import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../logger";
import type { Services } from "../services";
import { sendJsonError } from "./jsonResponse";
import { loginBindingSetCookie, readLoginBindingCookie } from "./loginBindingCookie";
import { readRequest } from "./requestReader";

/** /auth/{id}/start and /auth/{id}/callback. */
const IDENTITY_ROUTE = /^\/auth\/([^/]+)\/(start|callback)$/;

export function isIdentityRoute(pathname: string): boolean {
  return IDENTITY_ROUTE.test(pathname);
}

/**
 * The browser's side of a sign-in through a provider: GET /auth/{id}/start answers 302 to the
 * provider (and sets the binding cookie); GET /auth/{id}/callback answers 302 back to
 * `return_to` with the outcome in the fragment. A problem with the request itself (no such
 * provider, a return_to outside APP_URL) is a JSON error here, never a redirect somewhere.
 */
export async function serveIdentityRoute(
  services: Services,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  trustProxyHops: number,
  logger: Logger,
): Promise<void> {
  const [, rawId, step] = IDENTITY_ROUTE.exec(url.pathname)!;
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.setHeader("allow", "GET, HEAD");
    sendJsonError(response, 405, "Use GET.");
    return;
  }
  let providerId: string;
  try {
    providerId = decodeURIComponent(rawId!);
  } catch {
    sendJsonError(response, 404, "There is no such identity provider.");
    return;
  }
  const binding = readLoginBindingCookie(request.headers.cookie);
  // Neither answer may be stored: each carries a one-time state or code.
  response.setHeader("cache-control", "no-store");
  response.setHeader("referrer-policy", "no-referrer");
  if (step === "start") {
    const answer = await services.identityFlows.start({
      providerId,
      returnTo: url.searchParams.get("return_to") ?? undefined,
      loginHint: url.searchParams.get("login_hint") ?? undefined,
      linkToken: url.searchParams.get("link") ?? undefined,
      binding,
    });
    if (answer.kind === "refused") {
      sendJsonError(response, answer.status, answer.message);
      return;
    }
    if (answer.binding !== binding) response.setHeader("set-cookie", loginBindingSetCookie(answer.binding));
    redirect(response, answer.location);
    return;
  }
  const { client } = readRequest(request, trustProxyHops);
  const { location, failure } = await services.identityFlows.callback(providerId, url.searchParams, binding, client);
  // The cause (a provider's error, a failed check) says what to fix; it never reaches the browser.
  if (failure) logger.info({ provider: providerId, reason: failure.reason, err: failure.cause }, "identity sign-in failed");
  redirect(response, location);
}

function redirect(response: ServerResponse, location: string): void {
  response.statusCode = 302;
  response.setHeader("location", location);
  response.end();
}
