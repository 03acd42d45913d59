import { graphql, ME } from "./graphqlClient";

/** `me` with this Authorization header must be refused as UNAUTHENTICATED with `reason`: a 200 with an error, never a 500. */
export async function expectMeRefused(url: string, authorization: string, reason = "TOKEN_INVALID"): Promise<void> {
  const response = await graphql(url, ME, undefined, { headers: { authorization } });
  expect(response.status).toBe(200);
  expect(response.data).toBeNull();
  expect(response.errors![0]!.extensions).toEqual({ code: "UNAUTHENTICATED", reason });
}
