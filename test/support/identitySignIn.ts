/**
 * A browser's part in a sign-in through an identity provider, in plain HTTP: follows redirects
 * one at a time with a cookie jar, until the answer leaves for `return_to` (the web app, which is
 * not running here). Cookies are kept per host, with their names, as a browser sends them to any
 * path of the host (this API's are Path=/ or narrower, and no test depends on the path).
 */
export class CookieJar {
  private readonly cookies = new Map<string, Map<string, string>>();

  header(url: URL): string | undefined {
    const jar = this.cookies.get(url.host);
    return jar && jar.size > 0 ? [...jar].map(([name, value]) => `${name}=${value}`).join("; ") : undefined;
  }

  take(url: URL, response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const [name, ...value] = pair!.trim().split("=");
      const jar = this.cookies.get(url.host) ?? new Map<string, string>();
      this.cookies.set(url.host, jar);
      if (attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute))) jar.delete(name!);
      else jar.set(name!, value.join("="));
    }
  }

  get(host: string, name: string): string | undefined {
    return this.cookies.get(host)?.get(name);
  }

  set(host: string, name: string, value: string): void {
    const jar = this.cookies.get(host) ?? new Map<string, string>();
    this.cookies.set(host, jar);
    jar.set(name, value);
  }
}

export interface Hop {
  url: URL;
  status: number;
  location: string | undefined;
  body: string;
}

/** One GET with the jar's cookies, not following a redirect. */
export async function browserGet(jar: CookieJar, url: URL | string): Promise<Hop> {
  const target = new URL(url);
  const cookie = jar.header(target);
  const response = await fetch(target, { redirect: "manual", headers: cookie === undefined ? {} : { cookie } });
  jar.take(target, response);
  const body = await response.text();
  return { url: target, status: response.status, location: response.headers.get("location") ?? undefined, body };
}

/**
 * Follows redirects from `url` until one leads to a URL that `stopAt` accepts (answered with that
 * URL unvisited), or a page answers without one (answered with that page).
 */
export async function followUntil(
  jar: CookieJar,
  url: URL | string,
  stopAt: (next: URL) => boolean,
): Promise<{ stoppedAt?: URL; last: Hop }> {
  let hop = await browserGet(jar, url);
  for (let hops = 0; hops < 20 && hop.location !== undefined; hops++) {
    const next = new URL(hop.location, hop.url);
    if (stopAt(next)) return { stoppedAt: next, last: hop };
    hop = await browserGet(jar, next);
  }
  return { last: hop };
}

/** `#login_code=...`, `#error=...`, `#linked=...` of the URL the callback sent the browser to. */
export function fragment(url: URL): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(url.hash.slice(1)));
}

/**
 * A browser's sign-in through provider `providerId` of the API at `apiUrl` (its /graphql URL),
 * with `login_hint`: the URL under `appUrl` that the callback sent it back to. `beforeCallback`
 * sees the callback URL before the browser follows it, and may return another one to follow.
 */
export async function signInThroughProvider(
  jar: CookieJar,
  apiUrl: string,
  providerId: string,
  email: string,
  appUrl: string,
  beforeCallback?: (callback: URL) => Promise<URL | undefined>,
): Promise<URL> {
  const start = new URL(`${new URL(apiUrl).origin}/auth/${providerId}/start`);
  start.searchParams.set("return_to", `${appUrl}/`);
  start.searchParams.set("login_hint", email);
  return finishSignIn(jar, start, appUrl, beforeCallback);
}

/** Follows a start URL (from /auth/{id}/start or startIdentityLink) until the browser is back under `appUrl`. */
export async function finishSignIn(
  jar: CookieJar,
  start: URL,
  appUrl: string,
  beforeCallback?: (callback: URL) => Promise<URL | undefined>,
): Promise<URL> {
  const isCallback = (next: URL) => next.pathname.endsWith("/callback") && next.pathname.startsWith("/auth/");
  let { stoppedAt, last } = await followUntil(jar, start, (next) => next.origin === new URL(appUrl).origin || isCallback(next));
  if (stoppedAt && isCallback(stoppedAt)) {
    const callback = (await beforeCallback?.(stoppedAt)) ?? stoppedAt;
    ({ stoppedAt, last } = await followUntil(jar, callback, (next) => next.origin === new URL(appUrl).origin));
  }
  if (!stoppedAt) throw new Error(`The sign-in ended at ${last.url.href} (${last.status}): ${last.body.slice(0, 300)}`);
  return stoppedAt;
}
