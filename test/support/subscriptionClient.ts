import { createClient, type Client, type ClientOptions, type ExecutionResult } from "graphql-ws";
import WebSocket from "ws";
import type { TypedDocumentString } from "./generated/graphql";
import { waitUntil } from "./waitUntil";

/** The subscriptions' WebSocket URL of a server's GraphQL URL: the same path, ws: for http:. */
export function socketUrl(graphqlUrl: string): string {
  return graphqlUrl.replace(/^http/, "ws");
}

/** How a socket ended, as the client saw it. */
export interface Closed {
  code: number;
  reason: string;
}

/** A graphql-ws client in Node, as an app would make one, with what happened to its sockets recorded. */
export interface TestClient {
  client: Client;
  /** Every socket close, oldest first. */
  closes: Closed[];
  /** Sockets opened (`connected` events), in order. */
  connections: number;
  dispose(): Promise<void>;
}

/**
 * A client that sends `authorization: "Bearer <token>"` (when `token` gives one) in
 * connectionParams, asked anew at each connection, as docs/api.md shows. It does not retry by
 * itself: a test reconnects when it means to.
 */
export function testClient(
  graphqlUrl: string,
  token: () => string | undefined,
  options: Partial<ClientOptions> & { origin?: string } = {},
): TestClient {
  const { origin, ...clientOptions } = options;
  const record: TestClient = {
    closes: [],
    connections: 0,
    client: createClient({
      url: socketUrl(graphqlUrl),
      webSocketImpl: origin
        ? class extends WebSocket {
            constructor(address: string, protocols: string | string[]) {
              super(address, protocols, { origin });
            }
          }
        : WebSocket,
      connectionParams: () => {
        const value = token();
        return value === undefined ? {} : { authorization: `Bearer ${value}` };
      },
      retryAttempts: 0,
      on: {
        connected: () => record.connections++,
        closed: (event) => {
          const { code, reason } = event as Closed;
          record.closes.push({ code, reason });
        },
      },
      ...clientOptions,
    }),
    dispose: async () => record.client.dispose(),
  };
  return record;
}

/** One subscription's results and how it ended, as they arrive. */
export interface LiveSubscription<T> {
  results: Array<ExecutionResult<T>>;
  /** The error the subscription ended with: a close event (`{ code, reason }`) or an array of GraphQL errors. */
  error: unknown;
  completed: boolean;
  unsubscribe(): void;
  /** Waits until `count` results have arrived and returns them. */
  received(count: number): Promise<Array<ExecutionResult<T>>>;
  /** Waits until it has ended with an error, and returns it. */
  failed(): Promise<unknown>;
}

export function subscribe<T, V>(client: Client, document: TypedDocumentString<T, V>, variables?: V): LiveSubscription<T>;
/** A plain string, for an operation the tests send on purpose untyped. */
export function subscribe(client: Client, query: string): LiveSubscription<unknown>;
export function subscribe<T, V>(client: Client, document: TypedDocumentString<T, V> | string, variables?: V): LiveSubscription<T> {
  const subscription: LiveSubscription<T> = {
    results: [],
    error: undefined,
    completed: false,
    unsubscribe: () => undefined,
    received: async (count) => {
      await waitUntil(() => subscription.results.length >= count || subscription.error !== undefined, `${count} results arrived`);
      if (subscription.results.length < count) throw new Error(`the subscription failed: ${JSON.stringify(subscription.error)}`);
      return subscription.results.slice(0, count);
    },
    failed: async () => {
      await waitUntil(() => subscription.error !== undefined, "the subscription failed");
      return subscription.error;
    },
  };
  subscription.unsubscribe = client.subscribe<T>(
    { query: document.toString(), variables: variables as Record<string, unknown> | undefined },
    {
      next: (result) => subscription.results.push(result as ExecutionResult<T>),
      error: (error) => (subscription.error = error ?? "error"),
      complete: () => (subscription.completed = true),
    },
  );
  return subscription;
}

/**
 * Repeats `trigger` until the subscription's first result arrives: a subscribe is answered with
 * nothing, so the only sign that the server has set it up is an event through it. Then forgets
 * the results so far. Events of the later triggers may still come: tests look for theirs by id.
 */
export async function primed<T>(subscription: LiveSubscription<T>, trigger: () => Promise<unknown>): Promise<void> {
  await waitUntil(async () => {
    if (subscription.results.length > 0 || subscription.error !== undefined) return true;
    await trigger();
    return subscription.results.length > 0;
  }, "the subscription delivered its first event");
  if (subscription.error !== undefined) throw new Error(`the subscription failed: ${JSON.stringify(subscription.error)}`);
  subscription.results.length = 0;
}

/** A socket spoken to in the protocol's own messages, for what graphql-ws's client will not do (stop reading, stop answering pings). */
export interface RawSocket {
  socket: WebSocket;
  /** Every message received, parsed. */
  messages: Array<{ type: string; id?: string; payload?: unknown }>;
  /** Resolves with the HTTP status when the upgrade is refused, or undefined once the socket is open. */
  opened: Promise<{ status: number; body: string } | undefined>;
  closed: Promise<Closed>;
  send(message: Record<string, unknown>): void;
}

export function rawSocket(graphqlUrl: string, options: WebSocket.ClientOptions = {}): RawSocket {
  const socket = new WebSocket(socketUrl(graphqlUrl), "graphql-transport-ws", options);
  const messages: RawSocket["messages"] = [];
  socket.on("message", (data: Buffer) => messages.push(JSON.parse(data.toString("utf8")) as RawSocket["messages"][number]));
  return {
    socket,
    messages,
    opened: new Promise((resolve, reject) => {
      socket.once("open", () => resolve(undefined));
      socket.once("unexpected-response", (_request, response) => {
        let body = "";
        response.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
        response.on("end", () => {
          resolve({ status: response.statusCode ?? 0, body });
          // With a listener for it, ending the refused handshake is ours to do.
          socket.terminate();
        });
      });
      // Also after `unexpected-response`, for the handshake cut above: a promise settles once.
      socket.on("error", reject);
    }),
    closed: new Promise((resolve) => socket.once("close", (code, reason) => resolve({ code, reason: reason.toString("utf8") }))),
    send: (message) => socket.send(JSON.stringify(message)),
  };
}

/** A raw socket past `connection_init` with the token, acknowledged. */
export async function acknowledgedSocket(graphqlUrl: string, token: string, options: WebSocket.ClientOptions = {}): Promise<RawSocket> {
  const raw = rawSocket(graphqlUrl, options);
  const refused = await raw.opened;
  if (refused) throw new Error(`the upgrade was refused: ${refused.status} ${refused.body}`);
  raw.send({ type: "connection_init", payload: { authorization: `Bearer ${token}` } });
  await waitUntil(() => raw.messages.some((message) => message.type === "connection_ack"), "the connection was acknowledged");
  return raw;
}
