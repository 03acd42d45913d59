import type { BearerCredential, Caller, ClientInfo } from "../auth/types";
import { AppError } from "../errors";
import type { StreamBounds } from "../liveEvents/eventStream";
import type { Services } from "../services";
import { createLoaders, type Loaders } from "./loaders";

/** What the edge (src/http) read from the request, as plain values: the GraphQL layer never sees the raw request. */
export interface RequestValues {
  credential: BearerCredential;
  /** The refresh token that came in the request's cookie, for browser clients. */
  refreshCookieIn: string | undefined;
  /** The handle of a passkey login started in this browser (its HttpOnly cookie). */
  passkeyHandleIn: string | undefined;
  /** The binding cookie of an identity-provider sign-in started in this browser (exchangeLoginCode). */
  loginBindingIn: string | undefined;
  client: ClientInfo;
}

/** What should happen to the browser's refresh-token cookie; the edge writes the Set-Cookie header. */
export type RefreshCookieChange = { kind: "set"; token: string; expiresAt: Date } | { kind: "clear" };

/** What should happen to the browser's passkey-login cookie; the edge writes the Set-Cookie header. */
export type PasskeyHandleChange = { kind: "set"; handle: string; maxAgeSeconds: number } | { kind: "clear" };

/**
 * What one request's log line says beyond HTTP, filled in while the request runs: the operation,
 * the caller's id and the error codes. Deliberately no headers, variables or bodies: that is
 * where tokens and passwords travel.
 */
export interface RequestLogFields {
  operation?: string;
  userId?: string;
  errorCodes?: string[];
  /** Which check refused the access token (the AuthenticationError's cause); logged at debug level only. */
  tokenRefusal?: string;
}

export interface GraphQLContext {
  requestId: string;
  client: ClientInfo;
  services: Services;
  /** Fields for this request's log line. */
  log: RequestLogFields;
  /**
   * The caller (user and session), from `Authorization: Bearer <token>`, loaded at most once per
   * request and only when a resolver asks. Throws UNAUTHENTICATED (with a reason) when there is
   * no valid token, so a bad token never gets in the way of `login` or `signup`.
   */
  caller(): Promise<Caller>;
  /** The caller once `caller()` has found it, else undefined: lets the access rules pass without a wait. */
  knownCaller(): Caller | undefined;
  /**
   * Users this request has proven to be by their password or refresh token (signup, login,
   * refreshToken): the AuthPayload it answers with is theirs, so the access rules let them read
   * their own user in it without an Authorization header. Filled by ./resolvers/tokenDelivery.ts.
   */
  provenUserIds: Set<string>;
  /** This request's batching loaders. */
  loaders: Loaders;
  /** The refresh token that came in the request's cookie, for browser clients. */
  refreshCookieIn: string | undefined;
  /**
   * What goes out to the cookie: resolvers set `change`; the last one wins; undefined leaves the
   * cookie alone. A holder, not a plain field: Apollo runs each operation of a batch with a
   * shallow copy of the context.
   */
  refreshCookieOut: { change: RefreshCookieChange | undefined };
  passkeyHandleIn: string | undefined;
  /** What goes out to the passkey-login cookie, as `refreshCookieOut`. */
  passkeyHandleOut: { change: PasskeyHandleChange | undefined };
  /** The binding cookie of an identity-provider sign-in started in this browser. */
  loginBindingIn: string | undefined;
  /**
   * Over the subscriptions' WebSocket: how many events may wait for the client, and what the edge
   * does when more come (src/http/subscriptionServer.ts). Undefined over HTTP, which carries no subscriptions.
   */
  eventBounds: StreamBounds | undefined;
}

export function buildContext(services: Services, requestId: string, request: RequestValues, log: RequestLogFields): GraphQLContext {
  let caller: Promise<Caller> | undefined;
  let known: Caller | undefined;
  // async: a refused credential rejects only the fields that need a caller.
  const loadCaller = () =>
    (caller ??= (async () => {
      try {
        const found = await services.authenticator.authenticate(request.credential);
        log.userId = found.user.id;
        known = found;
        return found;
      } catch (error) {
        if (error instanceof AppError && error.cause instanceof Error) log.tokenRefusal = error.cause.message;
        throw error;
      }
    })());
  return {
    requestId,
    client: request.client,
    services,
    log,
    caller: loadCaller,
    knownCaller: () => known,
    provenUserIds: new Set(),
    loaders: createLoaders(services),
    refreshCookieIn: request.refreshCookieIn,
    refreshCookieOut: { change: undefined },
    passkeyHandleIn: request.passkeyHandleIn,
    passkeyHandleOut: { change: undefined },
    loginBindingIn: request.loginBindingIn,
    eventBounds: undefined,
  };
}
