import { graphql, ME } from "./graphqlClient";

/** `me` with this Authorization header must be refused as UNAUTHENTICATED with `reason`: a 200 with an error, never a 500. */
export async function expectMeRefused(url: string, authorization: string, reason = "TOKEN_INVALID"): Promise<void> {
  const response = await graphql(url, ME, undefined, { headers: { authorization } });
  expect(response.status).toBe(200);
  expect(response.data).toBeNull();
  expect(response.errors![0]!.extensions).toEqual({ code: "UNAUTHENTICATED", reason });
}

const ISSUER = "graphql-jwt-auth-api";

/** The claims the test server puts in an access token for this session, with `overrides` applied. */
export function serverClaims(userId: string, sessionId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { sub: userId, sid: sessionId, ver: 0, iat: now, exp: now + 600, iss: ISSUER, aud: ISSUER, ...overrides };
}
