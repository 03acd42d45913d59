import {
  FinishPasskeyLoginDocument,
  FinishPasskeyRegistrationDocument,
  StartPasskeyLoginDocument,
  StartPasskeyRegistrationDocument,
  type FinishPasskeyLoginMutation,
} from "./generated/graphql";
import { graphql, type GraphQLResponse } from "./graphqlClient";
import type { SoftwareAuthenticator, Tampering } from "./softwareAuthenticator";

/** Adds a passkey to the token's account as a browser would: options from the API, the authenticator's answer back. */
export async function registerPasskey(url: string, token: string, authenticator: SoftwareAuthenticator, name?: string) {
  const started = await graphql(url, StartPasskeyRegistrationDocument, {}, { token });
  if (!started.data) throw new Error(`startPasskeyRegistration failed: ${started.text}`);
  const finished = await graphql(
    url,
    FinishPasskeyRegistrationDocument,
    { response: authenticator.create(started.data.startPasskeyRegistration), name },
    { token },
  );
  if (!finished.data) throw new Error(`finishPasskeyRegistration failed: ${finished.text}`);
  return finished.data.finishPasskeyRegistration;
}

/** A passkey login begun as a browser begins it: the options, and the cookie that binds them to this "browser". */
export async function startLogin(url: string, email?: string) {
  const started = await graphql(url, StartPasskeyLoginDocument, { email });
  if (!started.data) throw new Error(`startPasskeyLogin failed: ${started.text}`);
  const setCookie = started.headers.get("set-cookie") ?? "";
  const cookie = /passkey_login=[^;]+/.exec(setCookie)?.[0];
  if (cookie === undefined) throw new Error(`no passkey_login cookie: ${setCookie}`);
  return { options: started.data.startPasskeyLogin, cookie, setCookie };
}

/** Sends an assertion back, with the cookie of the browser that started the login (or none, or another's). */
export function finishLogin(
  url: string,
  response: unknown,
  cookie: string | undefined,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<FinishPasskeyLoginMutation>> {
  return graphql(
    url,
    FinishPasskeyLoginDocument,
    { response: response as Record<string, unknown> },
    { headers: { ...headers, ...(cookie !== undefined && { cookie }) } },
  );
}

/** A whole passkey login: start, the authenticator's assertion, finish. */
export async function passkeyLogin(url: string, authenticator: SoftwareAuthenticator, email?: string, tampering?: Tampering) {
  const { options, cookie } = await startLogin(url, email);
  return finishLogin(url, authenticator.get(options, tampering), cookie);
}
