/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "fragment MyInfo on User {\n  id\n  email\n  name\n  role\n  createdAt\n}\n\nquery Me {\n  me {\n    ...MyInfo\n    secondFactors {\n      kind\n    }\n    passkeys {\n      id\n      name\n    }\n  }\n}\n\nmutation RequestPasswordReset($email: String!) {\n  requestPasswordReset(email: $email)\n}": typeof types.MyInfoFragmentDoc,
    "query IdentityProviders {\n  identityProviders {\n    id\n    name\n  }\n}\n\nmutation ExchangeLoginCode($code: String!, $delivery: RefreshTokenDelivery = BODY) {\n  exchangeLoginCode(code: $code, refreshTokenDelivery: $delivery) {\n    ...SessionTokens\n  }\n}": typeof types.IdentityProvidersDocument,
    "subscription SessionEvents {\n  sessionEvents {\n    kind\n    sessionId\n    at\n    reason\n  }\n}\n\nsubscription PostPublished {\n  postPublished {\n    id\n    title\n    publishedAt\n    author {\n      name\n    }\n  }\n}": typeof types.SessionEventsDocument,
    "mutation StartPasskeyRegistration {\n  startPasskeyRegistration\n}\n\nmutation FinishPasskeyRegistration($response: JSON!, $name: String) {\n  finishPasskeyRegistration(response: $response, name: $name) {\n    id\n    name\n  }\n}\n\nmutation StartPasskeyLogin($email: String) {\n  startPasskeyLogin(email: $email)\n}\n\nmutation FinishPasskeyLogin($response: JSON!, $delivery: RefreshTokenDelivery = BODY) {\n  finishPasskeyLogin(response: $response, refreshTokenDelivery: $delivery) {\n    ...SessionTokens\n  }\n}": typeof types.StartPasskeyRegistrationDocument,
    "fragment MyPost on Post {\n  id\n  title\n  published\n  publishedAt\n}\n\nmutation CreatePost($input: CreatePostInput!) {\n  createPost(input: $input) {\n    ...MyPost\n  }\n}\n\nmutation PublishPost($id: ID!) {\n  publishPost(id: $id) {\n    ...MyPost\n  }\n}\n\nquery MyPosts($first: Int = 20, $after: String) {\n  myPosts(first: $first, after: $after) {\n    edges {\n      node {\n        ...MyPost\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": typeof types.MyPostFragmentDoc,
    "mutation VerifySecondFactor($code: String!, $delivery: RefreshTokenDelivery = BODY) {\n  verifySecondFactor(code: $code, refreshTokenDelivery: $delivery) {\n    ...SessionTokens\n  }\n}\n\nmutation StartTotpEnrollment {\n  startTotpEnrollment {\n    secret\n    otpauthUri\n    qrCodeSvg\n  }\n}\n\nmutation ConfirmTotpEnrollment($code: String!) {\n  confirmTotpEnrollment(code: $code)\n}": typeof types.VerifySecondFactorDocument,
    "fragment SessionTokens on AuthPayload {\n  accessToken\n  accessTokenExpiresAt\n  refreshToken\n  refreshTokenExpiresAt\n  secondFactorRequired\n  user {\n    ...MyInfo\n  }\n}\n\nmutation Signup($input: SignupInput!, $delivery: RefreshTokenDelivery = BODY) {\n  signup(input: $input, refreshTokenDelivery: $delivery) {\n    ...SessionTokens\n  }\n}\n\nmutation Login($input: LoginInput!, $delivery: RefreshTokenDelivery = BODY) {\n  login(input: $input, refreshTokenDelivery: $delivery) {\n    ...SessionTokens\n  }\n}\n\nmutation RefreshToken($token: String, $delivery: RefreshTokenDelivery = BODY) {\n  refreshToken(token: $token, refreshTokenDelivery: $delivery) {\n    ...SessionTokens\n  }\n}\n\nmutation Logout {\n  logout\n}\n\nmutation ResetPassword($token: String!, $newPassword: String!, $delivery: RefreshTokenDelivery = BODY) {\n  resetPassword(\n    token: $token\n    newPassword: $newPassword\n    refreshTokenDelivery: $delivery\n  ) {\n    ...SessionTokens\n  }\n}\n\nmutation VerifyEmail($token: String!) {\n  verifyEmail(token: $token)\n}\n\nmutation ConfirmEmailChange($token: String!) {\n  confirmEmailChange(token: $token)\n}": typeof types.SessionTokensFragmentDoc,
};
const documents: Documents = {
    "fragment MyInfo on User {\n  id\n  email\n  name\n  role\n  createdAt\n}\n\nquery Me {\n  me {\n    ...MyInfo\n    secondFactors {\n      kind\n    }\n    passkeys {\n      id\n      name\n    }\n  }\n}\n\nmutation RequestPasswordReset($email: String!) {\n  requestPasswordReset(email: $email)\n}": types.MyInfoFragmentDoc,
    "query IdentityProviders {\n  identityProviders {\n    id\n    name\n  }\n}\n\nmutation ExchangeLoginCode($code: String!, $delivery: RefreshTokenDelivery = BODY) {\n  exchangeLoginCode(code: $code, refreshTokenDelivery: $delivery) {\n    ...SessionTokens\n  }\n}": types.IdentityProvidersDocument,
    "subscription SessionEvents {\n  sessionEvents {\n    kind\n    sessionId\n    at\n    reason\n  }\n}\n\nsubscription PostPublished {\n  postPublished {\n    id\n    title\n    publishedAt\n    author {\n      name\n    }\n  }\n}": types.SessionEventsDocument,
    "mutation StartPasskeyRegistration {\n  startPasskeyRegistration\n}\n\nmutation FinishPasskeyRegistration($response: JSON!, $name: String) {\n  finishPasskeyRegistration(response: $response, name: $name) {\n    id\n    name\n  }\n}\n\nmutation StartPasskeyLogin($email: String) {\n  startPasskeyLogin(email: $email)\n}\n\nmutation FinishPasskeyLogin($response: JSON!, $delivery: RefreshTokenDelivery = BODY) {\n  finishPasskeyLogin(response: $response, refreshTokenDelivery: $delivery) {\n    ...SessionTokens\n  }\n}": types.StartPasskeyRegistrationDocument,
    "fragment MyPost on Post {\n  id\n  title\n  published\n  publishedAt\n}\n\nmutation CreatePost($input: CreatePostInput!) {\n  createPost(input: $input) {\n    ...MyPost\n  }\n}\n\nmutation PublishPost($id: ID!) {\n  publishPost(id: $id) {\n    ...MyPost\n  }\n}\n\nquery MyPosts($first: Int = 20, $after: String) {\n  myPosts(first: $first, after: $after) {\n    edges {\n      node {\n        ...MyPost\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": types.MyPostFragmentDoc,
    "mutation VerifySecondFactor($code: String!, $delivery: RefreshTokenDelivery = BODY) {\n  verifySecondFactor(code: $code, refreshTokenDelivery: $delivery) {\n    ...SessionTokens\n  }\n}\n\nmutation StartTotpEnrollment {\n  startTotpEnrollment {\n    secret\n    otpauthUri\n    qrCodeSvg\n  }\n}\n\nmutation ConfirmTotpEnrollment($code: String!) {\n  confirmTotpEnrollment(code: $code)\n}": types.VerifySecondFactorDocument,
    "fragment SessionTokens on AuthPayload {\n  accessToken\n  accessTokenExpiresAt\n  refreshToken\n  refreshTokenExpiresAt\n  secondFactorRequired\n  user {\n    ...MyInfo\n  }\n}\n\nmutation Signup($input: SignupInput!, $delivery: RefreshTokenDelivery = BODY) {\n  signup(input: $input, refreshTokenDelivery: $delivery) {\n    ...SessionTokens\n  }\n}\n\nmutation Login($input: LoginInput!, $delivery: RefreshTokenDelivery = BODY) {\n  login(input: $input, refreshTokenDelivery: $delivery) {\n    ...SessionTokens\n  }\n}\n\nmutation RefreshToken($token: String, $delivery: RefreshTokenDelivery = BODY) {\n  refreshToken(token: $token, refreshTokenDelivery: $delivery) {\n    ...SessionTokens\n  }\n}\n\nmutation Logout {\n  logout\n}\n\nmutation ResetPassword($token: String!, $newPassword: String!, $delivery: RefreshTokenDelivery = BODY) {\n  resetPassword(\n    token: $token\n    newPassword: $newPassword\n    refreshTokenDelivery: $delivery\n  ) {\n    ...SessionTokens\n  }\n}\n\nmutation VerifyEmail($token: String!) {\n  verifyEmail(token: $token)\n}\n\nmutation ConfirmEmailChange($token: String!) {\n  confirmEmailChange(token: $token)\n}": types.SessionTokensFragmentDoc,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment MyInfo on User {\n  id\n  email\n  name\n  role\n  createdAt\n}\n\nquery Me {\n  me {\n    ...MyInfo\n    secondFactors {\n      kind\n    }\n    passkeys {\n      id\n      name\n    }\n  }\n}\n\nmutation RequestPasswordReset($email: String!) {\n  requestPasswordReset(email: $email)\n}"): typeof import('./graphql').MyInfoFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query IdentityProviders {\n  identityProviders {\n    id\n    name\n  }\n}\n\nmutation ExchangeLoginCode($code: String!, $delivery: RefreshTokenDelivery = BODY) {\n  exchangeLoginCode(code: $code, refreshTokenDelivery: $delivery) {\n    ...SessionTokens\n  }\n}"): typeof import('./graphql').IdentityProvidersDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription SessionEvents {\n  sessionEvents {\n    kind\n    sessionId\n    at\n    reason\n  }\n}\n\nsubscription PostPublished {\n  postPublished {\n    id\n    title\n    publishedAt\n    author {\n      name\n    }\n  }\n}"): typeof import('./graphql').SessionEventsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation StartPasskeyRegistration {\n  startPasskeyRegistration\n}\n\nmutation FinishPasskeyRegistration($response: JSON!, $name: String) {\n  finishPasskeyRegistration(response: $response, name: $name) {\n    id\n    name\n  }\n}\n\nmutation StartPasskeyLogin($email: String) {\n  startPasskeyLogin(email: $email)\n}\n\nmutation FinishPasskeyLogin($response: JSON!, $delivery: RefreshTokenDelivery = BODY) {\n  finishPasskeyLogin(response: $response, refreshTokenDelivery: $delivery) {\n    ...SessionTokens\n  }\n}"): typeof import('./graphql').StartPasskeyRegistrationDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment MyPost on Post {\n  id\n  title\n  published\n  publishedAt\n}\n\nmutation CreatePost($input: CreatePostInput!) {\n  createPost(input: $input) {\n    ...MyPost\n  }\n}\n\nmutation PublishPost($id: ID!) {\n  publishPost(id: $id) {\n    ...MyPost\n  }\n}\n\nquery MyPosts($first: Int = 20, $after: String) {\n  myPosts(first: $first, after: $after) {\n    edges {\n      node {\n        ...MyPost\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"): typeof import('./graphql').MyPostFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation VerifySecondFactor($code: String!, $delivery: RefreshTokenDelivery = BODY) {\n  verifySecondFactor(code: $code, refreshTokenDelivery: $delivery) {\n    ...SessionTokens\n  }\n}\n\nmutation StartTotpEnrollment {\n  startTotpEnrollment {\n    secret\n    otpauthUri\n    qrCodeSvg\n  }\n}\n\nmutation ConfirmTotpEnrollment($code: String!) {\n  confirmTotpEnrollment(code: $code)\n}"): typeof import('./graphql').VerifySecondFactorDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment SessionTokens on AuthPayload {\n  accessToken\n  accessTokenExpiresAt\n  refreshToken\n  refreshTokenExpiresAt\n  secondFactorRequired\n  user {\n    ...MyInfo\n  }\n}\n\nmutation Signup($input: SignupInput!, $delivery: RefreshTokenDelivery = BODY) {\n  signup(input: $input, refreshTokenDelivery: $delivery) {\n    ...SessionTokens\n  }\n}\n\nmutation Login($input: LoginInput!, $delivery: RefreshTokenDelivery = BODY) {\n  login(input: $input, refreshTokenDelivery: $delivery) {\n    ...SessionTokens\n  }\n}\n\nmutation RefreshToken($token: String, $delivery: RefreshTokenDelivery = BODY) {\n  refreshToken(token: $token, refreshTokenDelivery: $delivery) {\n    ...SessionTokens\n  }\n}\n\nmutation Logout {\n  logout\n}\n\nmutation ResetPassword($token: String!, $newPassword: String!, $delivery: RefreshTokenDelivery = BODY) {\n  resetPassword(\n    token: $token\n    newPassword: $newPassword\n    refreshTokenDelivery: $delivery\n  ) {\n    ...SessionTokens\n  }\n}\n\nmutation VerifyEmail($token: String!) {\n  verifyEmail(token: $token)\n}\n\nmutation ConfirmEmailChange($token: String!) {\n  confirmEmailChange(token: $token)\n}"): typeof import('./graphql').SessionTokensFragmentDoc;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
