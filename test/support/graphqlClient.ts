import crypto from "node:crypto";
import {
  ChangePasswordDocument,
  DeleteAccountDocument,
  LoginDocument,
  LogoutAllDocument,
  LogoutDocument,
  MeDocument,
  MySessionsDocument,
  RefreshDocument,
  RevokeSessionDocument,
  SignupDocument,
  type MySessionsQuery,
  type SignupMutation,
  type TypedDocumentString,
} from "./generated/graphql";

export interface GraphQLResponse<T = unknown> {
  status: number;
  headers: Headers;
  data: T | null | undefined;
  errors: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }> | undefined;
  /** The raw body, for asserting what must never appear in it. */
  text: string;
}

export interface RequestOptions {
  token?: string;
  headers?: Record<string, string>;
}

/**
 * Posts one GraphQL operation the way any client does: JSON over HTTP. A typed document from
 * test/operations/ (via `npm run codegen`) types the variables and the data; a plain string, for a
 * deliberately malformed or one-off query, gets `unknown` data.
 */
export async function graphql<TResult, TVariables>(
  url: string,
  document: TypedDocumentString<TResult, TVariables>,
  variables?: TVariables,
  options?: RequestOptions,
): Promise<GraphQLResponse<TResult>>;
export async function graphql(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  options?: RequestOptions,
): Promise<GraphQLResponse>;
export async function graphql(
  url: string,
  query: string | TypedDocumentString<unknown, unknown>,
  variables?: unknown,
  options: RequestOptions = {},
): Promise<GraphQLResponse> {
  const headers: Record<string, string> = { "content-type": "application/json", ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(url, { method: "POST", headers, body: JSON.stringify({ query: query.toString(), variables }) });
  const text = await response.text();
  const body = JSON.parse(text) as { data?: unknown; errors?: GraphQLResponse["errors"] };
  return { status: response.status, headers: response.headers, data: body.data, errors: body.errors, text };
}

/** A fresh address per call, so tests never collide with each other or with earlier runs. */
export function uniqueEmail(prefix = "user"): string {
  return `${prefix}-${crypto.randomUUID()}@example.com`;
}

// The documents of test/operations/*.graphql, under the names the tests use.
export const SIGNUP = SignupDocument;
export const LOGIN = LoginDocument;
export const ME = MeDocument;
export const REFRESH = RefreshDocument;
export const LOGOUT = LogoutDocument;
export const LOGOUT_ALL = LogoutAllDocument;
export const CHANGE_PASSWORD = ChangePasswordDocument;
export const DELETE_ACCOUNT = DeleteAccountDocument;
export const MY_SESSIONS = MySessionsDocument;
export const REVOKE_SESSION = RevokeSessionDocument;

export const PASSWORD = "correct horse battery staple";

/** Signs a new user up and returns the payload. */
export async function signUp(
  url: string,
  overrides: { email?: string; password?: string; name?: string } = {},
  headers: Record<string, string> = {},
) {
  const input = { email: uniqueEmail(), password: PASSWORD, name: "Test User", ...overrides };
  const response = await graphql(url, SIGNUP, { input }, { headers });
  if (!response.data?.signup) throw new Error(`signup failed: ${response.text}`);
  return { ...withOwnEmail(refreshTokenInBody(response.data.signup, response), response), password: input.password };
}

/** A signup or login answer whose refresh token travelled in the body (the default delivery). */
export type AuthPayload = SignupMutation["signup"] & { refreshToken: string; user: { email: string } };

/** The payload, checked to show the caller their own email, as it always must (User.email is null only for others). */
function withOwnEmail<T extends { user: { email: string | null } }>(
  payload: T,
  response: GraphQLResponse,
): T & { user: { email: string } } {
  const { email } = payload.user;
  if (email === null) throw new Error(`the caller's own email is missing: ${response.text}`);
  return { ...payload, user: { ...payload.user, email } };
}

/** The payload, checked to carry its refresh token in the body, as BODY delivery promises. */
export function refreshTokenInBody<T extends { refreshToken: string | null }>(
  payload: T,
  response: GraphQLResponse,
): T & { refreshToken: string } {
  const { refreshToken } = payload;
  if (refreshToken === null) throw new Error(`no refresh token in the body: ${response.text}`);
  return { ...payload, refreshToken };
}

/** The sessions of a MY_SESSIONS answer's page, in order. */
export function sessionsOf(response: GraphQLResponse<MySessionsQuery>) {
  if (!response.data?.mySessions) throw new Error(`mySessions failed: ${response.text}`);
  return response.data.mySessions.edges.map((edge) => edge.node);
}

/** Logs an existing user in and returns the payload. */
export async function logIn(url: string, email: string, password = PASSWORD, headers: Record<string, string> = {}) {
  const response = await graphql(url, LOGIN, { input: { email, password } }, { headers });
  if (!response.data?.login) throw new Error(`login failed: ${response.text}`);
  return withOwnEmail(refreshTokenInBody(response.data.login, response), response);
}

/** The session an access token belongs to: its `sid` claim, as `mySessions` and `sessionEvents` give the id. */
export function sessionIdOf(accessToken: string): string {
  const claims = JSON.parse(Buffer.from(accessToken.split(".")[1]!, "base64url").toString("utf8")) as { sid: string };
  return claims.sid;
}
