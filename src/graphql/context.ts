import type { IncomingMessage } from "node:http";
import type { AuthService } from "../auth/authService";
import type { ClientInfo } from "../auth/clientInfo";
import type { Caller, RequestAuthenticator } from "../auth/requestAuthentication";
import type { SessionService } from "../auth/sessionService";
import type { User } from "../generated/prisma/client";
import { authorizationHeader } from "../http/authorizationHeader";
import { readRefreshTokenCookie } from "../http/refreshTokenCookie";
import type { RequestLogFields } from "../http/requestLog";

export interface Services {
  auth: AuthService;
  sessions: SessionService;
  authenticator: RequestAuthenticator;
  now: () => number;
}

export interface GraphQLContext {
  requestId: string;
  client: ClientInfo;
  services: Services;
  /** Fields for this request's log line (operation, user id, error codes). */
  log: RequestLogFields;
  /**
   * The caller, from `Authorization: Bearer <token>`, loaded at most once per request and only
   * when a resolver asks. Throws UNAUTHENTICATED (with a reason) when there is no valid token, so
   * a bad token never gets in the way of `login` or `signup`.
   */
  currentUser(): Promise<User>;
  /** The same, with the id of the session the access token belongs to. */
  caller(): Promise<Caller>;
  /** The refresh token from the request's cookie, for browser clients. */
  refreshTokenCookie: string | undefined;
  /** Set-Cookie values to send with the response. */
  responseCookies: string[];
}

export function buildContext(
  services: Services,
  request: IncomingMessage,
  requestId: string,
  client: ClientInfo,
  log: RequestLogFields,
): GraphQLContext {
  let caller: Promise<Caller> | undefined;
  // async: a refused header (two of them) rejects only the fields that need a caller.
  const loadCaller = () =>
    (caller ??= (async () => {
      const found = await services.authenticator.callerFromAuthorizationHeader(authorizationHeader(request));
      log.userId = found.user.id;
      return found;
    })());
  return {
    requestId,
    client,
    services,
    log,
    caller: loadCaller,
    currentUser: async () => (await loadCaller()).user,
    refreshTokenCookie: readRefreshTokenCookie(request.headers.cookie),
    responseCookies: [],
  };
}
