import { useTestServer } from "../support/testServer";
import { graphql, LOGIN, LOGOUT, ME, PASSWORD, REFRESH, signUp } from "../support/graphqlClient";

/** The refresh_token cookie's value and attributes from a response, as a browser would store it. */
function refreshCookie(headers: Headers) {
  const cookie = headers.getSetCookie().find((c) => c.startsWith("refresh_token="));
  if (!cookie) return undefined;
  const [pair, ...attributes] = cookie.split("; ");
  return { value: pair!.slice("refresh_token=".length), attributes };
}

describe("refresh token in an HttpOnly cookie, for browsers", () => {
  const app = useTestServer();

  test("login, refresh and logout keep the refresh token out of page scripts' reach", async () => {
    const { user } = await signUp(app.url);
    const login = await graphql(app.url, LOGIN, { input: { email: user.email, password: PASSWORD }, delivery: "COOKIE" });
    expect(login.errors).toBeUndefined();
    expect(login.data!.login.refreshToken).toBeNull();
    const cookie = refreshCookie(login.headers)!;
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookie.attributes).toEqual(expect.arrayContaining(["HttpOnly", "Secure", "SameSite=Strict", "Path=/graphql"]));
    expect(cookie.attributes.find((a) => a.startsWith("Max-Age="))).toBe(`Max-Age=${30 * 24 * 3600}`);

    // No token argument: the cookie is used, and the successor goes back in the cookie.
    const refreshed = await graphql(app.url, REFRESH, {}, { headers: { cookie: `theme=dark; refresh_token=${cookie.value}` } });
    expect(refreshed.errors).toBeUndefined();
    expect(refreshed.data!.refreshToken.refreshToken).toBeNull();
    const rotated = refreshCookie(refreshed.headers)!;
    expect(rotated.value).not.toBe(cookie.value);
    const accessToken = refreshed.data!.refreshToken.accessToken;
    expect((await graphql(app.url, ME, undefined, { token: accessToken })).data!.me.id).toBe(user.id);

    const logout = await graphql(app.url, LOGOUT, undefined, { token: accessToken, headers: { cookie: `refresh_token=${rotated.value}` } });
    expect(logout.data).toEqual({ logout: true });
    const cleared = refreshCookie(logout.headers)!;
    expect(cleared.value).toBe("");
    expect(cleared.attributes).toContain("Max-Age=0");
    const afterLogout = await graphql(app.url, REFRESH, {}, { headers: { cookie: `refresh_token=${rotated.value}` } });
    expect(afterLogout.errors![0]!.extensions).toEqual({ code: "UNAUTHENTICATED", reason: "SESSION_ENDED" });
  });

  test("a refresh with neither a token nor a cookie is REFRESH_TOKEN_INVALID", async () => {
    const response = await graphql(app.url, REFRESH, {});
    expect(response.errors![0]!.extensions).toEqual({ code: "UNAUTHENTICATED", reason: "REFRESH_TOKEN_INVALID" });
    expect(refreshCookie(response.headers)).toBeUndefined();
  });

  test("body delivery, the default, sets no cookie", async () => {
    const { user } = await signUp(app.url);
    const login = await graphql(app.url, LOGIN, { input: { email: user.email, password: PASSWORD } });
    expect(typeof login.data!.login.refreshToken).toBe("string");
    expect(refreshCookie(login.headers)).toBeUndefined();
  });
});
