// The story of the product, told by a program: who am I without a token, with one, my own posts,
// after a refresh and after logging out. Every step prints what it sent and what the API answered.
import { Secret, TOTP } from "otpauth";
import { GraphQLRequestError, graphqlRequest } from "../client/graphqlRequest";
import {
  CreatePostDocument,
  LoginDocument,
  LogoutDocument,
  MeDocument,
  MyPostsDocument,
  PublishPostDocument,
  RefreshTokenDocument,
  SignupDocument,
  VerifySecondFactorDocument,
  type MyInfoFragment,
  type MyPostFragment,
  type SessionTokensFragment,
} from "../generated/graphql";

export interface Account {
  email: string;
  password: string;
  name: string;
  /** The base32 secret of the account's authenticator app, for an account with two-step sign-in. */
  totpSecret?: string;
}

const POST = { title: "Hello from the example", body: "Written by npm run example." };

/** The API did something the story does not expect; the message says what. */
export class UnexpectedAnswer extends Error {
  override name = "UnexpectedAnswer";
}

/** Numbered steps ("1. ...") and the indented details under each, as both stories print them. */
export function narration(print: (line: string) => void) {
  let step = 0;
  return {
    heading: (text: string) => print(`${++step}. ${text}`),
    detail: (text: string) => print(`   ${text}`),
  };
}

export async function walkTheStory(url: string, account: Account, print: (line: string) => void): Promise<void> {
  const { heading, detail } = narration(print);

  heading("Ask `me` without a token");
  detail(`refused: ${describeError(await refusal(graphqlRequest(url, MeDocument, {})))}`);

  heading(`Sign up as ${account.email} (or log in, when that account exists)`);
  const tokens = await signUpOrLogIn(url, account, detail);
  describeTokens(tokens, detail);

  heading("Ask `me` with the access token");
  detail(`me: ${describeUser((await graphqlRequest(url, MeDocument, {}, tokens.accessToken)).me)}`);

  heading("Write a post: a draft, which only its author sees");
  const { createPost } = await graphqlRequest(url, CreatePostDocument, { input: POST }, tokens.accessToken);
  detail(`created: ${describePost(createPost)}`);

  heading("Publish it, then list my posts");
  const { publishPost } = await graphqlRequest(url, PublishPostDocument, { id: createPost.id }, tokens.accessToken);
  detail(`published: ${describePost(publishPost)}`);
  const { myPosts } = await graphqlRequest(url, MyPostsDocument, { first: 3 }, tokens.accessToken);
  for (const { node } of myPosts.edges) detail(`my post: ${describePost(node)}`);
  if (myPosts.pageInfo.hasNextPage) detail("and more: pass pageInfo.endCursor as `after` for the next page");

  heading("Exchange the refresh token for a new pair (the old one is spent)");
  const { refreshToken: renewed } = await graphqlRequest(url, RefreshTokenDocument, { token: tokens.refreshToken });
  describeTokens(renewed, detail);

  heading("Ask `me` with the new access token");
  detail(`me: ${describeUser((await graphqlRequest(url, MeDocument, {}, renewed.accessToken)).me)}`);

  heading("Log out");
  const { logout } = await graphqlRequest(url, LogoutDocument, {}, renewed.accessToken);
  if (!logout) throw new UnexpectedAnswer("logout answered false.");
  detail("logged out: this session's tokens stop working at once");

  heading("Ask `me` with the same access token");
  detail(`refused: ${describeError(await refusal(graphqlRequest(url, MeDocument, {}, renewed.accessToken)))}`);
}

/** Signs up; an account that exists already logs in instead, so the story can be told again. */
export async function signUpOrLogIn(url: string, account: Account, detail: (text: string) => void): Promise<SessionTokensFragment> {
  try {
    const { signup } = await graphqlRequest(url, SignupDocument, {
      input: { email: account.email, password: account.password, name: account.name },
    });
    detail(`signed up: ${describeUser(signup.user)}`);
    return signup;
  } catch (error) {
    if (!(error instanceof GraphQLRequestError && error.reason === "EMAIL_TAKEN")) throw error;
    detail("that email is taken: logging in instead");
    const { login } = await graphqlRequest(url, LoginDocument, { input: { email: account.email, password: account.password } });
    detail(`logged in: ${describeUser(login.user)}`);
    return login.secondFactorRequired ? verifySecondFactor(url, login, account, detail) : login;
  }
}

/**
 * The second step of a login with two-step sign-in: the code the authenticator app would show
 * now, computed from its secret, raises the session to level 2 with a new pair.
 */
async function verifySecondFactor(
  url: string,
  level1: SessionTokensFragment,
  account: Account,
  detail: (text: string) => void,
): Promise<SessionTokensFragment> {
  if (account.totpSecret === undefined) {
    throw new UnexpectedAnswer("this account has two-step sign-in: pass the secret of its authenticator app with --totp-secret.");
  }
  detail("two-step sign-in: the password opened a level-1 session; sending the app's code");
  const code = TOTP.generate({ secret: Secret.fromBase32(account.totpSecret) });
  const { verifySecondFactor: verified } = await graphqlRequest(url, VerifySecondFactorDocument, { code }, level1.accessToken);
  detail("second factor verified: the session is at level 2");
  return verified;
}

/** The error of a request that must be refused for lack of a valid token. */
async function refusal(request: Promise<unknown>): Promise<GraphQLRequestError> {
  try {
    await request;
  } catch (error) {
    if (error instanceof GraphQLRequestError && error.code === "UNAUTHENTICATED") return error;
    throw error;
  }
  throw new UnexpectedAnswer("the API answered without asking for a valid token.");
}

export function describeError(error: GraphQLRequestError): string {
  const reason = error.reason ? ` (${error.reason})` : "";
  return `${error.code}${reason} "${error.message}"`;
}

export function describeUser(user: MyInfoFragment): string {
  return `${user.name} <${user.email}>, role ${user.role}, member since ${user.createdAt}, id ${user.id}`;
}

function describePost(post: MyPostFragment): string {
  const state = post.published ? `published ${post.publishedAt}` : "draft";
  return `"${post.title}" (${state}), id ${post.id}`;
}

export function describeTokens(tokens: SessionTokensFragment, detail: (text: string) => void): void {
  detail(`access token ${abbreviate(tokens.accessToken)} valid until ${tokens.accessTokenExpiresAt}`);
  detail(`refresh token ${abbreviate(tokens.refreshToken ?? "")} valid until ${tokens.refreshTokenExpiresAt}`);
}

/** Enough of a token to tell two apart, not enough to use it from a log. */
function abbreviate(token: string): string {
  return `…${token.slice(-8)}`;
}
