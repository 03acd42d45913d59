import crypto from "node:crypto";

export interface GraphQLResponse<T = Record<string, any>> {
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

/** Posts one GraphQL operation the way any client does: JSON over HTTP. */
export async function graphql<T = Record<string, any>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  options: RequestOptions = {},
): Promise<GraphQLResponse<T>> {
  const headers: Record<string, string> = { "content-type": "application/json", ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(url, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  const text = await response.text();
  const body = JSON.parse(text) as { data?: T | null; errors?: GraphQLResponse["errors"] };
  return { status: response.status, headers: response.headers, data: body.data, errors: body.errors, text };
}

/** A fresh address per call, so tests never collide with each other or with earlier runs. */
export function uniqueEmail(prefix = "user"): string {
  return `${prefix}-${crypto.randomUUID()}@example.com`;
}

export const SIGNUP = /* GraphQL */ `
  mutation Signup($input: SignupInput!) {
    signup(input: $input) {
      accessToken
      accessTokenExpiresAt
      refreshToken
      refreshTokenExpiresAt
      user {
        id
        email
        name
        role
      }
    }
  }
`;

export const LOGIN = /* GraphQL */ `
  mutation Login($input: LoginInput!) {
    login(input: $input) {
      accessToken
      accessTokenExpiresAt
      refreshToken
      refreshTokenExpiresAt
      user {
        id
        email
        name
        role
      }
    }
  }
`;

export const ME = /* GraphQL */ `
  query Me {
    me {
      id
      email
      name
      role
      createdAt
    }
  }
`;

export const PASSWORD = "correct horse battery staple";

/** Signs a new user up and returns the payload. */
export async function signUp(url: string, overrides: { email?: string; password?: string; name?: string } = {}) {
  const input = { email: uniqueEmail(), password: PASSWORD, name: "Test User", ...overrides };
  const response = await graphql(url, SIGNUP, { input });
  if (!response.data?.signup) throw new Error(`signup failed: ${response.text}`);
  return { ...(response.data.signup as AuthPayload), password: input.password };
}

export interface AuthPayload {
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  refreshTokenExpiresAt: string;
  user: { id: string; email: string; name: string; role: string };
}

export const REFRESH = /* GraphQL */ `
  mutation Refresh($token: String, $delivery: RefreshTokenDelivery) {
    refreshToken(token: $token, refreshTokenDelivery: $delivery) {
      accessToken
      accessTokenExpiresAt
      refreshToken
      refreshTokenExpiresAt
      user {
        id
        email
      }
    }
  }
`;

export const LOGOUT = /* GraphQL */ `
  mutation Logout {
    logout
  }
`;
export const LOGOUT_ALL = /* GraphQL */ `
  mutation LogoutAll {
    logoutAll
  }
`;

export const CHANGE_PASSWORD = /* GraphQL */ `
  mutation ChangePassword($input: ChangePasswordInput!) {
    changePassword(input: $input) {
      accessToken
      refreshToken
      user {
        id
      }
    }
  }
`;

export const MY_SESSIONS = /* GraphQL */ `
  query MySessions($first: Int, $after: String) {
    mySessions(first: $first, after: $after) {
      edges {
        cursor
        node {
          id
          createdAt
          lastUsedAt
          expiresAt
          userAgent
          ip
          current
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

export interface SessionNode {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  userAgent: string | null;
  ip: string | null;
  current: boolean;
}

/** The sessions of a MY_SESSIONS answer's page, in order. */
export function sessionsOf(response: GraphQLResponse): SessionNode[] {
  if (!response.data?.mySessions) throw new Error(`mySessions failed: ${response.text}`);
  return (response.data.mySessions.edges as Array<{ node: SessionNode }>).map((edge) => edge.node);
}

export const REVOKE_SESSION = /* GraphQL */ `
  mutation RevokeSession($id: ID!) {
    revokeSession(id: $id)
  }
`;

/** Logs an existing user in and returns the payload. */
export async function logIn(url: string, email: string, password = PASSWORD, headers: Record<string, string> = {}) {
  const response = await graphql(url, LOGIN, { input: { email, password } }, { headers });
  if (!response.data?.login) throw new Error(`login failed: ${response.text}`);
  return response.data.login as AuthPayload;
}
