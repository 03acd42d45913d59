// Apollo Client for this API, one client for both transports: queries and mutations go over HTTP
// with the access token in the Authorization header, subscriptions over the WebSocket with the
// token in connectionParams, the two links split on the operation type. The documents come typed
// from ./generated/ (`npm run codegen`, from examples/operations/*.graphql).
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from "@apollo/client";
import { CombinedGraphQLErrors } from "@apollo/client/errors";
import { SetContextLink } from "@apollo/client/link/context";
import { ErrorLink } from "@apollo/client/link/error";
import { RetryLink } from "@apollo/client/link/retry";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { OperationTypeNode } from "graphql";
import { from, switchMap } from "rxjs";
import type { Client, ClientOptions } from "graphql-ws";
import { graphqlSocket, isCloseEvent, reconnectWithFreshToken, socketUrl, type SocketClose } from "../client/graphqlSocket";

/** Where the client reads the access token to send, and how it gets a fresh one. */
export interface AccessTokens {
  readonly accessToken: string | undefined;
  refresh(): Promise<unknown>;
}

export interface ApiClient {
  client: ApolloClient;
  /** The graphql-ws client under the WebSocket link, for what its sockets do (`socket.on("connected", ...)`). */
  socket: Client;
  /** Stops the client's queries and closes its socket. */
  close(): Promise<void>;
}

/**
 * An Apollo Client for the API at `url` (`http://host/graphql`; the socket is `ws://host/graphql`).
 * In Node.js pass the `ws` package as `webSocketImpl`; a browser has its own WebSocket.
 */
export function createApiClient(url: string, tokens: AccessTokens, webSocketImpl?: ClientOptions["webSocketImpl"]): ApiClient {
  // Apollo's GraphQLWsLink turns a close into a plain Error; the close event itself says why.
  let lastClose: SocketClose | undefined;
  const socket = graphqlSocket(socketUrl(url), () => tokens.accessToken, {
    webSocketImpl,
    on: { closed: (event) => (lastClose = isCloseEvent(event) ? event : undefined) },
  });
  const reconnect = reconnectWithFreshToken(socket, () => tokens.refresh());

  const overHttp = ApolloLink.from([
    // An access token that expired between two requests: refresh it and send the operation again,
    // once (the SetContextLink below puts the new token in); any other error goes to the caller.
    new ErrorLink(({ error, operation, forward }) => {
      const expired = CombinedGraphQLErrors.is(error) && error.errors.some((one) => one.extensions?.reason === "TOKEN_EXPIRED");
      if (!expired || operation.getContext().afterRefresh === true) return;
      operation.setContext({ afterRefresh: true });
      return from(tokens.refresh()).pipe(switchMap(() => forward(operation)));
    }),
    new SetContextLink((context) => {
      const headers = context.headers as Record<string, string> | undefined;
      return { headers: tokens.accessToken === undefined ? headers : { ...headers, authorization: `Bearer ${tokens.accessToken}` } };
    }),
    new HttpLink({ uri: url }),
  ]);
  const overSocket = ApolloLink.from([
    // The API closes a socket whose access token expires (4401 "token expired"), which ends every
    // subscription on it. Each is tried again once the token is refreshed: a new socket opens and
    // its connectionParams carry the fresh token. When the refresh is refused too (the session
    // ended), the subscription ends with the close's error.
    new RetryLink({
      delay: () => 0,
      attempts: async () => lastClose !== undefined && (await reconnect(lastClose).catch(() => false)),
    }),
    new GraphQLWsLink(socket),
  ]);

  const client = new ApolloClient({
    link: ApolloLink.split(({ operationType }) => operationType === OperationTypeNode.SUBSCRIPTION, overSocket, overHttp),
    cache: new InMemoryCache(),
  });
  return {
    client,
    socket,
    close: async () => {
      client.stop();
      await socket.dispose();
    },
  };
}
