import fs from "node:fs";
import path from "node:path";
import { getDirective } from "@graphql-tools/utils";
import { buildSchema, isObjectType } from "graphql";
import { generateOpaqueToken, hashOpaqueToken } from "../../src/auth/tokens/opaqueTokens";
import type { EmailTokenPurpose } from "../../src/generated/prisma/client";
import { PROJECT_ROOT } from "../../src/projectRoot";
import { totpCode } from "../../src/auth/factors/totp";
import { graphql, logIn, PASSWORD, signUp, uniqueEmail, type AuthPayload, type GraphQLResponse } from "../support/graphqlClient";
import { subscribe, testClient } from "../support/subscriptionClient";
import { waitUntil } from "../support/waitUntil";
import { enrollTotp } from "../support/secondFactor";
import { useTestServer } from "../support/testServer";

// Who may do what, in one table: every operation of schema.graphql (subscriptions over the
// WebSocket), and every object field with a rule of its own, run as an anonymous caller, as a
// user, as another user (on the first user's things), as an admin, and as an account with a
// second factor whose session has only its password (level 1). The table is checked against the schema, so a new operation or rule without
// a row fails here until someone decides who may use it.

type Actor = "anonymous" | "user" | "otherUser" | "admin" | "awaitingSecondFactor";
/** An access outcome, or the reason of a BAD_USER_INPUT: the rules let the caller through to the service, which refused the input. */
type Outcome =
  | "ALLOWED"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "SECOND_FACTOR_REQUIRED"
  | "NOT_FOUND"
  | "NO_SECOND_FACTOR"
  | "NO_PENDING_ENROLLMENT"
  | "MALFORMED_RESPONSE"
  | "LOGIN_CODE_INVALID"
  | "UNKNOWN_PROVIDER"
  | "NOT_LINKED";

/** Made afresh for each run: the user owns a draft and a published post; each actor has its own session. */
interface Fixture {
  user: AuthPayload;
  otherUser: AuthPayload;
  admin: AuthPayload;
  /** Made for that actor only: an account with TOTP, logged in with its password alone, and its app's secret. */
  awaitingSecondFactor?: AuthPayload & { secret: string };
  draftId: string;
  publishedId: string;
  /** A passkey of the user. */
  passkeyId: string;
  /** The id of the user's session. */
  userSessionId: string;
  /** Tokens of links mailed to the user, as the mail would carry them. */
  verifyToken: string;
  resetToken: string;
  changeToken: string;
}

interface Row {
  query: string;
  variables?: (fixture: Fixture) => Record<string, unknown>;
  /** anonymous, user, other user, admin, a session awaiting its second factor */
  expected: [Outcome, Outcome, Outcome, Outcome, Outcome];
  /**
   * A subscription, sent over the WebSocket with the actor's token in connectionParams: what makes
   * an event for it, repeated until its first result (an event, or the refusal) arrives.
   */
  event?: (fixture: Fixture, actor: Actor) => Promise<unknown>;
}

const ALLOWED = "ALLOWED";
const UNAUTHENTICATED = "UNAUTHENTICATED";
const FORBIDDEN = "FORBIDDEN";
const NOT_FOUND = "NOT_FOUND";
/** A level-1 session reaches only verifySecondFactor and logout (and what is public). */
const SECOND_FACTOR_REQUIRED = "SECOND_FACTOR_REQUIRED";

/** Signed in: anyone with a full session. */
const SIGNED_IN: Row["expected"] = [UNAUTHENTICATED, ALLOWED, ALLOWED, ALLOWED, SECOND_FACTOR_REQUIRED];
/** Admins only. */
const ADMIN_ONLY: Row["expected"] = [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, ALLOWED, SECOND_FACTOR_REQUIRED];
/** The user's own thing: anyone else is told it does not exist, admins included. */
const OWNER_ONLY: Row["expected"] = [UNAUTHENTICATED, ALLOWED, NOT_FOUND, NOT_FOUND, SECOND_FACTOR_REQUIRED];
const ANYONE: Row["expected"] = [ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED];
/** The account's own second factor: the rules let every full session through; the service finds none to use. */
const OWN_FACTOR: Row["expected"] = [UNAUTHENTICATED, "NO_SECOND_FACTOR", "NO_SECOND_FACTOR", "NO_SECOND_FACTOR", SECOND_FACTOR_REQUIRED];

const draft = (fixture: Fixture) => ({ id: fixture.draftId });
const passkey = (fixture: Fixture) => ({ id: fixture.passkeyId });
/** Past the rules, the passkey services refuse `{}` as a WebAuthn response. */
const MALFORMED = "MALFORMED_RESPONSE";
const theUser = (fixture: Fixture) => ({ id: fixture.user.user.id });

const MATRIX: Record<string, Row> = {
  "Query.me": { query: "{ me { id } }", expected: SIGNED_IN },
  // __typename: whatever shape the list has.
  "Query.mySessions": { query: "{ mySessions { __typename } }", expected: SIGNED_IN },
  "Query.feed": { query: "{ feed { pageInfo { hasNextPage } } }", expected: SIGNED_IN },
  "Query.myPosts": { query: "{ myPosts { pageInfo { hasNextPage } } }", expected: SIGNED_IN },
  "Query.post": { query: "query ($id: ID!) { post(id: $id) { id } }", variables: draft, expected: OWNER_ONLY },
  "Query.users": { query: "{ users { pageInfo { hasNextPage } } }", expected: ADMIN_ONLY },
  "Query.mySecurityEvents": { query: "{ mySecurityEvents { pageInfo { hasNextPage } } }", expected: SIGNED_IN },
  "Query.securityEvents": { query: "{ securityEvents { pageInfo { hasNextPage } } }", expected: ADMIN_ONLY },

  "Mutation.signup": {
    query: "mutation ($input: SignupInput!) { signup(input: $input) { accessToken } }",
    variables: () => ({ input: { email: uniqueEmail("matrix"), password: PASSWORD, name: "Matrix" } }),
    expected: ANYONE,
  },
  "Mutation.login": {
    query: "mutation ($input: LoginInput!) { login(input: $input) { accessToken } }",
    variables: (fixture) => ({ input: { email: fixture.user.user.email, password: PASSWORD } }),
    expected: ANYONE,
  },
  "Mutation.refreshToken": {
    query: "mutation ($token: String) { refreshToken(token: $token) { accessToken } }",
    variables: (fixture) => ({ token: fixture.user.refreshToken }),
    expected: ANYONE,
  },
  "Mutation.logout": { query: "mutation { logout }", expected: [UNAUTHENTICATED, ALLOWED, ALLOWED, ALLOWED, ALLOWED] },
  "Mutation.logoutAll": { query: "mutation { logoutAll }", expected: SIGNED_IN },
  "Mutation.changePassword": {
    query: "mutation ($input: ChangePasswordInput!) { changePassword(input: $input) { accessToken } }",
    variables: () => ({ input: { currentPassword: PASSWORD, newPassword: "another long passphrase" } }),
    expected: SIGNED_IN,
  },
  // Each actor deletes their own, freshly made account: any signed-in user may.
  "Mutation.deleteAccount": {
    query: "mutation ($currentPassword: String!) { deleteAccount(currentPassword: $currentPassword) }",
    variables: () => ({ currentPassword: PASSWORD }),
    expected: SIGNED_IN,
  },
  "Mutation.verifyEmail": {
    query: "mutation ($token: String!) { verifyEmail(token: $token) }",
    variables: (fixture) => ({ token: fixture.verifyToken }),
    expected: ANYONE,
  },
  "Mutation.resendVerification": { query: "mutation { resendVerification }", expected: SIGNED_IN },
  "Mutation.requestPasswordReset": {
    query: "mutation ($email: String!) { requestPasswordReset(email: $email) }",
    variables: (fixture) => ({ email: fixture.user.user.email }),
    expected: ANYONE,
  },
  "Mutation.resetPassword": {
    query: 'mutation ($token: String!) { resetPassword(token: $token, newPassword: "another long passphrase") { accessToken } }',
    variables: (fixture) => ({ token: fixture.resetToken }),
    expected: ANYONE,
  },
  "Mutation.requestEmailChange": {
    query: "mutation ($newEmail: String!, $password: String!) { requestEmailChange(newEmail: $newEmail, currentPassword: $password) }",
    variables: () => ({ newEmail: uniqueEmail("matrix"), password: PASSWORD }),
    expected: SIGNED_IN,
  },
  "Mutation.confirmEmailChange": {
    query: "mutation ($token: String!) { confirmEmailChange(token: $token) }",
    variables: (fixture) => ({ token: fixture.changeToken }),
    expected: ANYONE,
  },
  "Mutation.revokeSession": {
    query: "mutation ($id: ID!) { revokeSession(id: $id) }",
    variables: (fixture) => ({ id: fixture.userSessionId }),
    expected: OWNER_ONLY,
  },
  "Mutation.createPost": {
    query: 'mutation { createPost(input: { title: "Title", body: "Body" }) { id } }',
    expected: SIGNED_IN,
  },
  "Mutation.updatePost": {
    query: 'mutation ($id: ID!) { updatePost(id: $id, input: { title: "Changed" }) { id } }',
    variables: draft,
    expected: OWNER_ONLY,
  },
  "Mutation.publishPost": { query: "mutation ($id: ID!) { publishPost(id: $id) { id } }", variables: draft, expected: OWNER_ONLY },
  "Mutation.unpublishPost": { query: "mutation ($id: ID!) { unpublishPost(id: $id) { id } }", variables: draft, expected: OWNER_ONLY },
  "Mutation.deletePost": { query: "mutation ($id: ID!) { deletePost(id: $id) }", variables: draft, expected: OWNER_ONLY },
  "Mutation.removePost": { query: "mutation ($id: ID!) { removePost(id: $id) }", variables: draft, expected: ADMIN_ONLY },
  "Mutation.setUserRole": {
    query: "mutation ($id: ID!) { setUserRole(id: $id, role: ADMIN) { id } }",
    variables: theUser,
    // The user is refused by the rule before their own id is looked at.
    expected: ADMIN_ONLY,
  },
  "Mutation.disableUser": { query: "mutation ($id: ID!) { disableUser(id: $id) { id } }", variables: theUser, expected: ADMIN_ONLY },
  "Mutation.enableUser": { query: "mutation ($id: ID!) { enableUser(id: $id) { id } }", variables: theUser, expected: ADMIN_ONLY },
  "Mutation.removeUserSecondFactor": {
    query: "mutation ($id: ID!) { removeUserSecondFactor(id: $id) { id } }",
    variables: theUser,
    expected: ADMIN_ONLY,
  },

  // The second factor.
  "Mutation.startTotpEnrollment": { query: "mutation { startTotpEnrollment { secret } }", expected: SIGNED_IN },
  "Mutation.confirmTotpEnrollment": {
    query: 'mutation { confirmTotpEnrollment(code: "123456") }',
    expected: [UNAUTHENTICATED, "NO_PENDING_ENROLLMENT", "NO_PENDING_ENROLLMENT", "NO_PENDING_ENROLLMENT", SECOND_FACTOR_REQUIRED],
  },
  // The one operation a level-1 session exists for: with a code of its app it passes.
  "Mutation.verifySecondFactor": {
    query: "mutation ($code: String!) { verifySecondFactor(code: $code) { accessToken } }",
    variables: (fixture) => ({
      code: fixture.awaitingSecondFactor ? totpCode(fixture.awaitingSecondFactor.secret, Date.now() + 30_000) : "123456",
    }),
    expected: [UNAUTHENTICATED, "NO_SECOND_FACTOR", "NO_SECOND_FACTOR", "NO_SECOND_FACTOR", ALLOWED],
  },
  "Mutation.disableTotp": { query: 'mutation { disableTotp(code: "123456") }', expected: OWN_FACTOR },
  "Mutation.regenerateRecoveryCodes": { query: 'mutation { regenerateRecoveryCodes(code: "123456") }', expected: OWN_FACTOR },

  // Passkeys. Signing in is public; a level-1 session may verify itself with one.
  "Mutation.startPasskeyRegistration": { query: "mutation { startPasskeyRegistration }", expected: SIGNED_IN },
  "Mutation.finishPasskeyRegistration": {
    query: "mutation { finishPasskeyRegistration(response: {}) { id } }",
    expected: [UNAUTHENTICATED, MALFORMED, MALFORMED, MALFORMED, SECOND_FACTOR_REQUIRED],
  },
  "Mutation.startPasskeyLogin": { query: "mutation { startPasskeyLogin }", expected: ANYONE },
  "Mutation.finishPasskeyLogin": {
    query: "mutation { finishPasskeyLogin(response: {}) { accessToken } }",
    expected: [MALFORMED, MALFORMED, MALFORMED, MALFORMED, MALFORMED],
  },
  "Mutation.startPasskeyVerification": {
    query: "mutation { startPasskeyVerification }",
    expected: [UNAUTHENTICATED, ALLOWED, ALLOWED, ALLOWED, ALLOWED],
  },
  "Mutation.verifyPasskey": {
    query: "mutation { verifyPasskey(response: {}) { accessToken } }",
    expected: [UNAUTHENTICATED, MALFORMED, MALFORMED, MALFORMED, MALFORMED],
  },
  "Mutation.renamePasskey": {
    query: 'mutation ($id: ID!) { renamePasskey(id: $id, name: "Work laptop") { id } }',
    variables: passkey,
    expected: OWNER_ONLY,
  },
  "Mutation.deletePasskey": { query: "mutation ($id: ID!) { deletePasskey(id: $id) }", variables: passkey, expected: OWNER_ONLY },

  // Identity providers. The test server configures none, so a provider's name is unknown to every caller the rules let through.
  "Query.identityProviders": { query: "{ identityProviders { id name } }", expected: ANYONE },

  // Over the WebSocket: allowed means an event arrived.
  "Subscription.sessionEvents": {
    query: "subscription { sessionEvents { kind } }",
    // A sign-in of the actor's own account; nobody's for the anonymous one, whose refusal needs none.
    event: async (fixture, actor) => (actor === "anonymous" ? undefined : logIn(matrixUrl(), fixture[actor]!.user.email)),
    expected: SIGNED_IN,
  },
  "Subscription.postPublished": {
    query: "subscription { postPublished { id } }",
    event: (fixture) =>
      graphql(matrixUrl(), "mutation ($id: ID!) { unpublishPost(id: $id) { id } publishPost(id: $id) { id } }", draft(fixture), {
        token: fixture.user.accessToken,
      }),
    expected: SIGNED_IN,
  },
  "Mutation.exchangeLoginCode": {
    query: 'mutation { exchangeLoginCode(code: "a-code-this-server-never-gave") { accessToken } }',
    expected: ["LOGIN_CODE_INVALID", "LOGIN_CODE_INVALID", "LOGIN_CODE_INVALID", "LOGIN_CODE_INVALID", "LOGIN_CODE_INVALID"],
  },
  "Mutation.startIdentityLink": {
    query: 'mutation { startIdentityLink(provider: "google") }',
    expected: [UNAUTHENTICATED, "UNKNOWN_PROVIDER", "UNKNOWN_PROVIDER", "UNKNOWN_PROVIDER", SECOND_FACTOR_REQUIRED],
  },
  "Mutation.unlinkIdentity": {
    query: 'mutation { unlinkIdentity(provider: "google") }',
    expected: [UNAUTHENTICATED, "NOT_LINKED", "NOT_LINKED", "NOT_LINKED", SECOND_FACTOR_REQUIRED],
  },

  // Object fields with rules of their own, reached through the user's published post.
  "User.email": {
    query: "query ($id: ID!) { post(id: $id) { author { email } } }",
    variables: (fixture) => ({ id: fixture.publishedId }),
    expected: [UNAUTHENTICATED, ALLOWED, FORBIDDEN, ALLOWED, SECOND_FACTOR_REQUIRED],
  },
  "User.emailVerified": {
    query: "query ($id: ID!) { post(id: $id) { author { emailVerified } } }",
    variables: (fixture) => ({ id: fixture.publishedId }),
    expected: [UNAUTHENTICATED, ALLOWED, FORBIDDEN, ALLOWED, SECOND_FACTOR_REQUIRED],
  },
  "User.role": {
    query: "query ($id: ID!) { post(id: $id) { author { role } } }",
    variables: (fixture) => ({ id: fixture.publishedId }),
    expected: [UNAUTHENTICATED, ALLOWED, FORBIDDEN, ALLOWED, SECOND_FACTOR_REQUIRED],
  },
  "User.disabledAt": {
    query: "query ($id: ID!) { post(id: $id) { author { disabledAt } } }",
    variables: (fixture) => ({ id: fixture.publishedId }),
    expected: [UNAUTHENTICATED, FORBIDDEN, FORBIDDEN, ALLOWED, SECOND_FACTOR_REQUIRED],
  },
  "User.secondFactors": {
    query: "query ($id: ID!) { post(id: $id) { author { secondFactors { kind } } } }",
    variables: (fixture) => ({ id: fixture.publishedId }),
    expected: [UNAUTHENTICATED, ALLOWED, FORBIDDEN, ALLOWED, SECOND_FACTOR_REQUIRED],
  },
  "User.passkeys": {
    query: "query ($id: ID!) { post(id: $id) { author { passkeys { name } } } }",
    variables: (fixture) => ({ id: fixture.publishedId }),
    expected: [UNAUTHENTICATED, ALLOWED, FORBIDDEN, ALLOWED, SECOND_FACTOR_REQUIRED],
  },
  "User.identities": {
    query: "query ($id: ID!) { post(id: $id) { author { identities { provider } } } }",
    variables: (fixture) => ({ id: fixture.publishedId }),
    expected: [UNAUTHENTICATED, ALLOWED, FORBIDDEN, ALLOWED, SECOND_FACTOR_REQUIRED],
  },
  "User.recoveryCodesLeft": {
    query: "query ($id: ID!) { post(id: $id) { author { recoveryCodesLeft } } }",
    variables: (fixture) => ({ id: fixture.publishedId }),
    expected: [UNAUTHENTICATED, ALLOWED, FORBIDDEN, ALLOWED, SECOND_FACTOR_REQUIRED],
  },
};

/** The test server's GraphQL URL, for the rows' events; set once it has started. */
let serverUrl = "";
const matrixUrl = () => serverUrl;

const ACTORS: Actor[] = ["anonymous", "user", "otherUser", "admin", "awaitingSecondFactor"];

/** Every Query, Mutation and Subscription field, and every other field that has a rule (its own or its type's). */
function fieldsWithRules(): string[] {
  const schema = buildSchema(fs.readFileSync(path.join(PROJECT_ROOT, "schema.graphql"), "utf8"));
  const roots = new Set([schema.getQueryType()!.name, schema.getMutationType()!.name, schema.getSubscriptionType()?.name]);
  return Object.values(schema.getTypeMap())
    .filter(isObjectType)
    .filter((type) => !type.name.startsWith("__"))
    .flatMap((type) =>
      Object.values(type.getFields())
        .filter(
          (field) =>
            roots.has(type.name) || getDirective(schema, field, "auth") !== undefined || getDirective(schema, type, "auth") !== undefined,
        )
        .map((field) => `${type.name}.${field.name}`),
    );
}

describe("the access matrix", () => {
  const app = useTestServer();
  beforeAll(() => {
    serverUrl = app.url;
  });

  test("has exactly one row for every operation and every field with a rule in schema.graphql", () => {
    expect(Object.keys(MATRIX).sort()).toEqual(fieldsWithRules().sort());
  });

  /** An account with TOTP on, logged in again with its password only: a level-1 session. */
  async function awaitingSecondFactor(): Promise<Fixture["awaitingSecondFactor"]> {
    const account = await signUp(app.url);
    // Confirmed with the current step's code; the row of verifySecondFactor sends the next step's (accepted, one step
    // ahead), which is never the one used here, however many step boundaries the requests between them cross.
    const { secret } = await enrollTotp(app.url, account.accessToken);
    return { ...(await logIn(app.url, account.user.email)), secret };
  }

  async function fixture(actor: Actor): Promise<Fixture> {
    const [user, otherUser, admin] = await Promise.all([signUp(app.url), signUp(app.url), signUp(app.url)]);
    await app.prisma.user.update({ where: { id: admin.user.id }, data: { role: "ADMIN" } });
    const [draftPost, publishedPost, session, userPasskey] = await Promise.all([
      app.prisma.post.create({ data: { authorId: user.user.id, title: "Draft", body: "Body" } }),
      app.prisma.post.create({ data: { authorId: user.user.id, title: "Published", body: "Body", publishedAt: new Date() } }),
      app.prisma.session.findFirstOrThrow({ where: { userId: user.user.id } }),
      app.prisma.passkey.create({
        data: {
          userId: user.user.id,
          credentialId: generateOpaqueToken(),
          publicKey: Buffer.alloc(0),
          signCount: 0,
          transports: [],
          multiDevice: false,
          name: "Matrix",
        },
      }),
    ]);
    const [verifyToken, resetToken, changeToken] = await Promise.all([
      linkToken(user, "VERIFY_EMAIL", user.user.email),
      linkToken(user, "RESET_PASSWORD", user.user.email),
      linkToken(user, "CHANGE_EMAIL", uniqueEmail("matrix-new")),
    ]);
    return {
      user,
      otherUser,
      admin,
      awaitingSecondFactor: actor === "awaitingSecondFactor" ? await awaitingSecondFactor() : undefined,
      draftId: draftPost.id,
      publishedId: publishedPost.id,
      passkeyId: userPasskey.id,
      userSessionId: session.id,
      verifyToken,
      resetToken,
      changeToken,
    };
  }

  /** A link token for the user, stored as the server stores one it mails (only its hash). */
  async function linkToken(owner: AuthPayload, purpose: EmailTokenPurpose, email: string): Promise<string> {
    const token = generateOpaqueToken();
    await app.prisma.emailToken.create({
      data: { userId: owner.user.id, purpose, email, tokenHash: hashOpaqueToken(token), expiresAt: new Date(Date.now() + 3600_000) },
    });
    return token;
  }

  function outcome(response: Pick<GraphQLResponse, "data" | "errors">): string {
    const error = response.errors?.[0];
    if (!error) return response.data ? ALLOWED : "no data and no error";
    const { code, reason } = error.extensions ?? {};
    if (code === "BAD_USER_INPUT" && typeof reason === "string" && reason !== "INVALID") return reason;
    if (code === FORBIDDEN && reason === SECOND_FACTOR_REQUIRED) return SECOND_FACTOR_REQUIRED;
    return code === UNAUTHENTICATED || code === FORBIDDEN ? code : `${String(code)} ${error.message}`;
  }

  /** The outcome of the row's subscription: its first result, once an event has made one (or the refusal came). */
  async function subscriptionOutcome(row: Row, given: Fixture, actor: Actor, token: string | undefined): Promise<string> {
    const client = testClient(app.url, () => token);
    try {
      const subscription = subscribe(client.client, row.query);
      await waitUntil(async () => {
        if (subscription.results.length === 0 && subscription.error === undefined) await row.event!(given, actor);
        return subscription.results.length > 0 || subscription.error !== undefined;
      }, `${actor}'s subscription answered`);
      const [first] = subscription.results;
      return first
        ? outcome(first as Pick<GraphQLResponse, "data" | "errors">)
        : `the subscription failed: ${JSON.stringify(subscription.error)}`;
    } finally {
      await client.dispose();
    }
  }

  test.each(Object.keys(MATRIX))("%s", async (name) => {
    const row = MATRIX[name]!;
    const seen: Record<string, string> = {};
    for (const actor of ACTORS) {
      const given = await fixture(actor);
      const token = actor === "anonymous" ? undefined : given[actor]!.accessToken;
      seen[actor] = row.event
        ? await subscriptionOutcome(row, given, actor, token)
        : outcome(await graphql(app.url, row.query, row.variables?.(given), { token }));
    }
    expect(seen).toEqual(Object.fromEntries(ACTORS.map((actor, index) => [actor, row.expected[index]])));
  });
});
