import { Client, fetchExchange, gql, type ClientOptions } from "@urql/core";
import { PASSWORD, uniqueEmail } from "../support/graphqlClient";
import { useTestServer } from "../support/testServer";

// urql sends queries as GET by default (preferGetMethod: "within-url-limit"), with no content type
// and no custom header: exactly the request Apollo's CSRF prevention refuses. docs/api.md gives
// the two settings that fix it; this is that advice, run against the real server.

const SIGNUP = gql`
  mutation Signup($input: SignupInput!) {
    signup(input: $input) {
      accessToken
      user {
        id
        email
      }
    }
  }
`;

const ME = gql`
  query Me {
    me {
      id
      email
    }
  }
`;

interface SignupResult {
  signup: { accessToken: string; user: { id: string; email: string } };
}

interface MeResult {
  me: { id: string; email: string };
}

describe("urql (@urql/core) against the API", () => {
  const app = useTestServer();

  /**
   * A urql client that sends the access token it holds, plus `headers`. The headers come from one
   * client-level `fetchOptions` function: an operation's own `fetchOptions` would replace these,
   * not add to them. `methods` records the HTTP method of every request it sends.
   */
  function apiClient(options: Partial<ClientOptions> = {}, headers: Record<string, string> = {}) {
    let accessToken: string | undefined;
    const methods: string[] = [];
    const client = new Client({
      url: app.url,
      exchanges: [fetchExchange],
      fetchOptions: () => ({ headers: accessToken ? { ...headers, authorization: `Bearer ${accessToken}` } : headers }),
      fetch: (input, init) => {
        methods.push(init?.method ?? "GET");
        return fetch(input, init);
      },
      ...options,
    });
    return { client, methods, useToken: (token: string) => (accessToken = token) };
  }

  /** Signs up through the client, then asks for `me` with the new access token. */
  async function signupThenMe({ client, useToken }: ReturnType<typeof apiClient>) {
    const email = uniqueEmail("urql");
    const signup = await client.mutation<SignupResult>(SIGNUP, { input: { email, password: PASSWORD, name: "Urql" } }).toPromise();
    expect(signup.error).toBeUndefined();
    useToken(signup.data!.signup.accessToken);
    const me = await client.query<MeResult>(ME, {}).toPromise();
    return { user: signup.data!.signup.user, me };
  }

  test("a default client's query is a plain GET, which CSRF prevention refuses", async () => {
    const { client, methods } = apiClient();
    const result = await client.query(ME, {}).toPromise();
    expect(methods).toEqual(["GET"]);
    expect(result.data).toBeUndefined();
    expect(result.error?.message).toMatch(/Cross-Site Request Forgery/);
  });

  test("preferGetMethod: false sends every operation as a JSON POST: signup, then me with the token", async () => {
    const api = apiClient({ preferGetMethod: false });
    const { user, me } = await signupThenMe(api);
    expect(me.error).toBeUndefined();
    expect(me.data?.me).toEqual(user);
    expect(api.methods).toEqual(["POST", "POST"]);
  });

  test("or keep GET for queries and send the apollo-require-preflight header", async () => {
    const api = apiClient({}, { "apollo-require-preflight": "true" });
    const { user, me } = await signupThenMe(api);
    expect(me.error).toBeUndefined();
    expect(me.data?.me).toEqual(user);
    expect(api.methods).toEqual(["POST", "GET"]);
  });
});
