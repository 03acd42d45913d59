import type { IncomingMessage } from "node:http";
import { AuthFailure, AuthenticationError } from "../errors";

/**
 * The request's one Authorization header. Node keeps only the first of several, but a proxy in
 * front may have used another, so a request with two is ambiguous and is refused as TOKEN_INVALID.
 */
export function authorizationHeader(request: IncomingMessage): string | undefined {
  const values = request.headersDistinct.authorization;
  if (values !== undefined && values.length > 1) throw new AuthenticationError(AuthFailure.TOKEN_INVALID);
  return values?.[0];
}
