// The operations a developer's browser opens with on GET /graphql: the story of the product, one
// operation each. The explorer (explorer/, bundled into dist/explorer) shows one tab per operation;
// Apollo Sandbox gets them as one document. One list, so that both always offer the same.

export interface ExampleOperation {
  /** The operation's name, also its tab's title. */
  name: string;
  /** The GraphQL document, with a comment that says what to do with it. */
  document: string;
  /** The headers editor's contents for this operation, where it needs the access token. */
  headers?: string;
}

/** Where the access token goes: the user replaces the placeholder with a real token. */
const BEARER_HEADERS = `{
  "Authorization": "Bearer paste-accessToken-here"
}`;

export const EXAMPLE_OPERATIONS: readonly ExampleOperation[] = [
  {
    name: "Signup",
    document: `# 1. Run Signup (or Login), copy accessToken.
# 2. In the Me tab's Headers, replace paste-accessToken-here with it.
# 3. Run Me.
mutation Signup {
  signup(input: { email: "ada@example.com", password: "correct horse battery", name: "Ada" }) {
    accessToken
    accessTokenExpiresAt
    refreshToken
    user { id email name }
  }
}
`,
  },
  {
    name: "Login",
    document: `mutation Login {
  login(input: { email: "ada@example.com", password: "correct horse battery" }) {
    accessToken
    refreshToken
  }
}
`,
  },
  {
    name: "Me",
    document: `# Needs the access token in Headers (below): Authorization: Bearer <accessToken>.
query Me {
  me { id email name role createdAt }
}
`,
    headers: BEARER_HEADERS,
  },
  {
    name: "Refresh",
    document: `# Paste the refreshToken from Signup or Login: you get a new pair, the old token is spent.
mutation Refresh {
  refreshToken(token: "paste-refresh-token-here") { accessToken refreshToken }
}
`,
  },
  {
    name: "Logout",
    document: `# Ends the session of the access token in Headers (below).
mutation Logout {
  logout
}
`,
    headers: BEARER_HEADERS,
  },
];

/** All of them in one document, for Apollo Sandbox, which opens a single one. */
export function exampleOperationsDocument(): string {
  return EXAMPLE_OPERATIONS.map((operation) => operation.document).join("\n");
}
