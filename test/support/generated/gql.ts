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
    "mutation Signup($input: SignupInput!) {\n  signup(input: $input) {\n    accessToken\n    accessTokenExpiresAt\n    refreshToken\n    refreshTokenExpiresAt\n    user {\n      id\n      email\n      name\n      role\n    }\n  }\n}\n\nmutation Login($input: LoginInput!, $delivery: RefreshTokenDelivery) {\n  login(input: $input, refreshTokenDelivery: $delivery) {\n    accessToken\n    accessTokenExpiresAt\n    refreshToken\n    refreshTokenExpiresAt\n    user {\n      id\n      email\n      name\n      role\n    }\n  }\n}\n\nquery Me {\n  me {\n    id\n    email\n    name\n    role\n    createdAt\n  }\n}\n\nmutation ChangePassword($input: ChangePasswordInput!) {\n  changePassword(input: $input) {\n    accessToken\n    refreshToken\n    user {\n      id\n    }\n  }\n}": typeof types.SignupDocument,
    "mutation Refresh($token: String, $delivery: RefreshTokenDelivery) {\n  refreshToken(token: $token, refreshTokenDelivery: $delivery) {\n    accessToken\n    accessTokenExpiresAt\n    refreshToken\n    refreshTokenExpiresAt\n    user {\n      id\n      email\n    }\n  }\n}\n\nmutation Logout {\n  logout\n}\n\nmutation LogoutAll {\n  logoutAll\n}\n\nquery MySessions($first: Int, $after: String) {\n  mySessions(first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        createdAt\n        lastUsedAt\n        expiresAt\n        userAgent\n        ip\n        current\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nmutation RevokeSession($id: ID!) {\n  revokeSession(id: $id)\n}": typeof types.RefreshDocument,
};
const documents: Documents = {
    "mutation Signup($input: SignupInput!) {\n  signup(input: $input) {\n    accessToken\n    accessTokenExpiresAt\n    refreshToken\n    refreshTokenExpiresAt\n    user {\n      id\n      email\n      name\n      role\n    }\n  }\n}\n\nmutation Login($input: LoginInput!, $delivery: RefreshTokenDelivery) {\n  login(input: $input, refreshTokenDelivery: $delivery) {\n    accessToken\n    accessTokenExpiresAt\n    refreshToken\n    refreshTokenExpiresAt\n    user {\n      id\n      email\n      name\n      role\n    }\n  }\n}\n\nquery Me {\n  me {\n    id\n    email\n    name\n    role\n    createdAt\n  }\n}\n\nmutation ChangePassword($input: ChangePasswordInput!) {\n  changePassword(input: $input) {\n    accessToken\n    refreshToken\n    user {\n      id\n    }\n  }\n}": types.SignupDocument,
    "mutation Refresh($token: String, $delivery: RefreshTokenDelivery) {\n  refreshToken(token: $token, refreshTokenDelivery: $delivery) {\n    accessToken\n    accessTokenExpiresAt\n    refreshToken\n    refreshTokenExpiresAt\n    user {\n      id\n      email\n    }\n  }\n}\n\nmutation Logout {\n  logout\n}\n\nmutation LogoutAll {\n  logoutAll\n}\n\nquery MySessions($first: Int, $after: String) {\n  mySessions(first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        createdAt\n        lastUsedAt\n        expiresAt\n        userAgent\n        ip\n        current\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nmutation RevokeSession($id: ID!) {\n  revokeSession(id: $id)\n}": types.RefreshDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Signup($input: SignupInput!) {\n  signup(input: $input) {\n    accessToken\n    accessTokenExpiresAt\n    refreshToken\n    refreshTokenExpiresAt\n    user {\n      id\n      email\n      name\n      role\n    }\n  }\n}\n\nmutation Login($input: LoginInput!, $delivery: RefreshTokenDelivery) {\n  login(input: $input, refreshTokenDelivery: $delivery) {\n    accessToken\n    accessTokenExpiresAt\n    refreshToken\n    refreshTokenExpiresAt\n    user {\n      id\n      email\n      name\n      role\n    }\n  }\n}\n\nquery Me {\n  me {\n    id\n    email\n    name\n    role\n    createdAt\n  }\n}\n\nmutation ChangePassword($input: ChangePasswordInput!) {\n  changePassword(input: $input) {\n    accessToken\n    refreshToken\n    user {\n      id\n    }\n  }\n}"): typeof import('./graphql').SignupDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Refresh($token: String, $delivery: RefreshTokenDelivery) {\n  refreshToken(token: $token, refreshTokenDelivery: $delivery) {\n    accessToken\n    accessTokenExpiresAt\n    refreshToken\n    refreshTokenExpiresAt\n    user {\n      id\n      email\n    }\n  }\n}\n\nmutation Logout {\n  logout\n}\n\nmutation LogoutAll {\n  logoutAll\n}\n\nquery MySessions($first: Int, $after: String) {\n  mySessions(first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        createdAt\n        lastUsedAt\n        expiresAt\n        userAgent\n        ip\n        current\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nmutation RevokeSession($id: ID!) {\n  revokeSession(id: $id)\n}"): typeof import('./graphql').RefreshDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
