// The bench's users: signed up through the API, as clients would.

export const PASSWORD = "correct horse battery staple";
const SEEDED_USERS = 32;

export const seedEmail = (i: number) => `bench-user-${i}@example.com`;

interface Tokens {
  accessToken: string;
  refreshToken: string;
}

/** One operation over HTTP; its data by field, or its errors. */
async function ask(origin: string, query: string, variables: unknown) {
  const response = await fetch(`${origin}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: Record<string, Tokens>; errors?: unknown };
}

/** A new session of the user with `email` (signed up first, when it has no account yet). */
export async function signUpOrLogIn(origin: string, email: string, name: string): Promise<Tokens> {
  const input = { email, password: PASSWORD };
  const signup = await ask(origin, "mutation($input: SignupInput!) { signup(input: $input) { accessToken refreshToken } }", {
    input: { ...input, name },
  });
  const login = signup.data?.signup
    ? undefined
    : await ask(origin, "mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken } }", { input });
  const payload = signup.data?.signup ?? login?.data?.login;
  if (!payload) throw new Error(`could not seed ${email}: ${JSON.stringify(login ?? signup)}`);
  return payload;
}

/**
 * Signs up SEEDED_USERS users (or logs them in, when they exist): one new session each. Returns
 * their Authorization values and their refresh tokens.
 */
export async function seedUsers(origin: string): Promise<{ tokens: string[]; refreshTokens: string[] }> {
  const sessions = await Promise.all(Array.from({ length: SEEDED_USERS }, (_, i) => signUpOrLogIn(origin, seedEmail(i), `Bench ${i}`)));
  return { tokens: sessions.map((one) => `Bearer ${one.accessToken}`), refreshTokens: sessions.map((one) => one.refreshToken) };
}
