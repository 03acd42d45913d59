// Subscriptions over the API's WebSocket (graphql-ws, the graphql-transport-ws protocol), typed by
// the documents that `npm run codegen` writes to ../generated/. Shared by the Node.js example and
// the browser page; Node.js passes the `ws` package as `webSocketImpl`, a browser has its own.
import { createClient, type Client, type ClientOptions } from "graphql-ws";
import type { TypedDocumentString } from "../generated/graphql";
import { GraphQLRequestError, type GraphQLErrorBody } from "./graphqlRequest";

/**
 * The close code of a token the API no longer takes: expired ("token expired"), its session
 * ended ("session ended"), or the role it was issued for changed. graphql-ws's
 * CloseCode.Unauthorized. A refresh tells which: it answers a fresh token (open the socket again
 * with it), or it is refused too (signed out).
 */
export const UNAUTHORIZED_CLOSE = 4401;

/** What a close event says: its code and reason. */
export interface SocketClose {
  code: number;
  reason: string;
}

/** The socket closed under a subscription; `code` and `reason` say why. */
export class SocketClosedError extends Error implements SocketClose {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`The API closed the socket: ${code} ${reason}`.trim());
    this.name = "SocketClosedError";
  }
}

/** The WebSocket address of the API's GraphQL endpoint: `http://host/graphql` -> `ws://host/graphql`. */
export function socketUrl(httpUrl: string | URL): string {
  const url = new URL(httpUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}

/**
 * A graphql-ws client that asks `accessToken` for the token every time it opens a socket
 * (`connectionParams` as a function), so a socket opened again after a refresh carries the
 * fresh token. Without a token it connects anonymously, for @public fields only.
 */
export function graphqlSocket(
  url: string,
  accessToken: () => string | undefined | Promise<string | undefined>,
  options: Partial<ClientOptions> = {},
): Client {
  return createClient({
    url,
    connectionParams: async () => {
      const token = await accessToken();
      return token === undefined ? {} : { authorization: `Bearer ${token}` };
    },
    ...options,
  });
}

/** A running subscription: `ended` settles when it ends, `stop` ends it from this side. */
export interface Subscription {
  /** Resolves when the server completes it or `stop` is called; rejects with SocketClosedError or GraphQLRequestError. */
  ended: Promise<void>;
  stop(): void;
}

/** Subscribes to `document` with `variables`; `onData` hears every event. */
export function subscribe<TData, TVariables>(
  client: Client,
  document: TypedDocumentString<TData, TVariables>,
  variables: TVariables,
  onData: (data: TData) => void,
): Subscription {
  let stop: () => void = () => undefined;
  const ended = new Promise<void>((resolve, reject) => {
    stop = client.subscribe<TData>(
      { query: document.toString(), variables: variables as Record<string, unknown> },
      {
        next: (result) => {
          if (result.data) onData(result.data);
          if (!result.errors?.length) return;
          reject(new GraphQLRequestError(result.errors as GraphQLErrorBody[]));
          stop();
        },
        error: (error: unknown) => reject(subscriptionError(error)),
        complete: resolve,
      },
    );
  });
  return { ended, stop: () => stop() };
}

/**
 * Decides, when the API closes a socket of `client`, whether its subscriptions start again: after
 * a 4401, once `renewToken` has answered a fresh token (a refresh over HTTP; it rejects when the
 * refresh is refused: signed out). Not when the socket was closed so before the API acknowledged
 * it since the last renewal: then the fresh token is refused as well. The subscriptions of one
 * socket end together, and share one renewal.
 */
export function reconnectWithFreshToken(client: Client, renewToken: (close: SocketClose) => Promise<unknown>) {
  let acknowledgedSinceRenewal = true;
  client.on("connected", () => (acknowledgedSinceRenewal = true));
  let renewing: Promise<boolean> | undefined;
  return (close: SocketClose): Promise<boolean> => {
    if (close.code !== UNAUTHORIZED_CLOSE || (!acknowledgedSinceRenewal && !renewing)) return Promise.resolve(false);
    renewing ??= renewToken(close)
      .then(() => {
        acknowledgedSinceRenewal = false;
        return true;
      })
      .finally(() => (renewing = undefined));
    return renewing;
  };
}

/**
 * Keeps `document` subscribed while the session lasts: when the API closes the socket with 4401
 * (the access token expired, most often), `renewToken` gets a fresh token and the subscription
 * starts again on a new socket, which sends it (see `reconnectWithFreshToken`). Ends when `stop`
 * is called or the server completes it; rejects when the refresh is refused (signed out: the
 * refresh's GraphQLRequestError), with SocketClosedError for any other close, or with GraphQL errors.
 */
export function staySubscribed<TData, TVariables>(
  client: Client,
  document: TypedDocumentString<TData, TVariables>,
  variables: TVariables,
  onData: (data: TData) => void,
  renewToken: (close: SocketClose) => Promise<unknown>,
): Subscription {
  const reconnect = reconnectWithFreshToken(client, renewToken);
  let current: Subscription | undefined;
  const stopping = new AbortController();
  const ended = (async () => {
    for (;;) {
      current = subscribe(client, document, variables, onData);
      try {
        await current.ended;
        return;
      } catch (error) {
        if (!(error instanceof SocketClosedError && (await reconnect(error)))) throw error;
      }
      // Stopped while the token was renewed: no new socket.
      if (stopping.signal.aborted) return;
    }
  })();
  return {
    ended,
    stop: () => {
      stopping.abort();
      current?.stop();
    },
  };
}

/** What graphql-ws hands a sink's `error`: a close event, the server's GraphQL errors, or an Error. */
function subscriptionError(error: unknown): Error {
  if (Array.isArray(error)) return new GraphQLRequestError(error as GraphQLErrorBody[]);
  if (isCloseEvent(error)) return new SocketClosedError(error.code, error.reason);
  if (error instanceof Error) return error;
  // A socket that failed to open: Node.js's `ws` and browsers hand over an error event.
  const message = typeof error === "object" && error !== null && "message" in error ? String(error.message) : "";
  return new Error(message || "The WebSocket to the API failed.");
}

export function isCloseEvent(value: unknown): value is SocketClose {
  return typeof value === "object" && value !== null && "code" in value && "reason" in value;
}
