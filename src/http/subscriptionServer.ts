import crypto from "node:crypto";
import type http from "node:http";
import type { Duplex } from "node:stream";
import type { GraphQLSchema } from "graphql";
import { useServer, type Extra } from "graphql-ws/use/ws";
import { WebSocketServer, type WebSocket } from "ws";
import type { HttpConfig } from "../config";
import { socketOperations, type SocketValues } from "../graphql/socketOperations";
import type { Logger } from "../logger";
import type { Services } from "../services";
import { isAllowedOrigin } from "./cors";
import { closeReason, LiveSockets, SocketClose } from "./liveSockets";
import { GRAPHQL_PATH } from "./paths";
import type { Readiness } from "./readiness";
import { readSocketRequest } from "./requestReader";

export interface SubscriptionServerDeps {
  config: HttpConfig;
  schema: GraphQLSchema;
  services: Services;
  readiness: Readiness;
  logger: Logger;
  /** Milliseconds since the epoch: a socket closes when its token expires by this clock. */
  now: () => number;
}

/** What this module keeps per socket: its values and, once admitted, the function that forgets it. */
interface SocketState {
  values: SocketValues;
  release: (() => void) | undefined;
}

/** graphql-ws's context extra, with ours. */
type SocketExtra = Extra & Partial<{ state: SocketState }>;

/** How long sockets get to finish their close handshake at shutdown before they are cut. */
const CLOSE_GRACE_MS = 1_000;

export interface SubscriptionServer {
  /** Closes every socket (1001, "server shutting down") and refuses new ones; idempotent. */
  close(): Promise<void>;
}

/**
 * GraphQL subscriptions over a WebSocket (graphql-ws, on `ws`) on the same path as HTTP GraphQL.
 * The upgrade is refused with a plain HTTP answer, before any handshake, for another path, an
 * Origin that CORS_ORIGINS does not allow (no cross-site WebSocket hijacking: a browser sends
 * Origin on every upgrade, cookies included), a draining server and a full one (WS_MAX_SOCKETS).
 * A connection's `connectionParams.authorization` is verified as the Authorization header is;
 * a refused one closes with 4401. Without one, the socket may subscribe only to @public fields.
 */
export function attachSubscriptionServer(server: http.Server, deps: SubscriptionServerDeps): SubscriptionServer {
  const limits = deps.config.subscriptions;
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes });
  const sockets = new LiveSockets({
    authenticator: deps.services.authenticator,
    liveEvents: deps.services.liveEvents,
    maxSocketsPerUser: limits.maxSocketsPerUser,
    now: deps.now,
    logger: deps.logger,
  });
  const stateOf = (extra: SocketExtra): SocketState => {
    // onConnect sets it before graphql-ws lets any subscribe through.
    return extra.state!;
  };
  useServer<Record<string, unknown> | undefined, { state: SocketState }>(
    {
      schema: deps.schema,
      ...socketOperations<SocketExtra>({
        schema: deps.schema,
        services: deps.services,
        config: deps.config,
        logger: deps.logger,
        valuesOf: (ctx) => stateOf(ctx.extra).values,
      }),
      onConnect: async (ctx) => {
        const { socket, request } = ctx.extra;
        const values: SocketValues = {
          id: crypto.randomUUID(),
          request: readSocketRequest(request, ctx.connectionParams?.authorization, deps.config.trustProxyHops),
          eventBounds: {
            maxQueued: limits.maxQueuedEvents,
            onOverflow: () => socket.close(SocketClose.TRY_AGAIN_LATER, "slow consumer: events were not read"),
          },
        };
        const state: SocketState = { values, release: undefined };
        ctx.extra.state = state;
        // Anonymous: only @public fields will pass their rules.
        if (values.request.credential.kind === "none") return true;
        try {
          const caller = await deps.services.authenticator.authenticate(values.request.credential);
          state.release = sockets.admit(caller, values.request.credential, (code, reason) => socket.close(code, reason));
          if (state.release) return true;
          socket.close(SocketClose.TOO_MANY_SOCKETS, `too many sockets for this user (at most ${limits.maxSocketsPerUser})`);
        } catch (error) {
          const reason = closeReason(error);
          if (!reason) throw error;
          socket.close(SocketClose.UNAUTHORIZED, reason);
        }
        // Closed above; graphql-ws's own close (4403) then finds the socket closing and does nothing.
        return false;
      },
      onClose: (ctx) => {
        ctx.extra.state?.release?.();
      },
    },
    wss,
    limits.keepAliveSeconds * 1000,
  );

  server.on("upgrade", (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const refusal = upgradeRefusal(request, wss, deps);
    if (refusal) {
      refuseUpgrade(socket, refusal.status, refusal.message);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit("connection", ws, request));
  });

  let closing: Promise<void> | undefined;
  return {
    close: () =>
      (closing ??= (async () => {
        sockets.stop();
        await closeAll(wss.clients);
        wss.close();
      })()),
  };
}

/** Why an upgrade is refused, as an HTTP status and message, or undefined when it may proceed. */
function upgradeRefusal(request: http.IncomingMessage, wss: WebSocketServer, deps: SubscriptionServerDeps) {
  const url = new URL(request.url ?? "/", "http://localhost");
  if (url.pathname !== GRAPHQL_PATH) return { status: 404, message: `Not found. GraphQL subscriptions are served at ${GRAPHQL_PATH}.` };
  const origin = request.headers.origin;
  // The same rule as CORS: a page of another origin may not act with this socket. No Origin: not a browser.
  if (origin !== undefined && !isAllowedOrigin(origin, deps.config.corsOrigins)) {
    return { status: 403, message: "This origin may not open a WebSocket to the API." };
  }
  if (deps.readiness.isDraining) return { status: 503, message: "The server is shutting down: connect again." };
  if (wss.clients.size >= deps.config.subscriptions.maxSockets) {
    return { status: 503, message: `This server has as many sockets open as it allows (WS_MAX_SOCKETS): try again later.` };
  }
  return undefined;
}

const STATUS_TEXT: Record<number, string> = { 403: "Forbidden", 404: "Not Found", 503: "Service Unavailable" };

/** A plain HTTP answer on the raw socket of a refused upgrade, in the JSON error shape of the API's other refusals. */
function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ errors: [{ message }] });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** 1001 to every socket; those that have not finished their close handshake within CLOSE_GRACE_MS are cut. */
async function closeAll(clients: Set<WebSocket>): Promise<void> {
  const closed = [...clients].map((socket) => new Promise<void>((resolve) => socket.once("close", () => resolve())));
  for (const socket of clients) socket.close(SocketClose.GOING_AWAY, "server shutting down");
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(closed), new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS)))]);
  clearTimeout(timer);
  for (const socket of clients) socket.terminate();
}
