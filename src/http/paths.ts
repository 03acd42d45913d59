/** Where the API answers GraphQL; also the scope of the refresh-token cookie. */
export const GRAPHQL_PATH = "/graphql";
