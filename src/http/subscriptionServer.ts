import crypto from "node:crypto";
import type http from "node:http";
import type { Duplex } from "node:stream";
import { GraphQLError, type GraphQLSchema } from "graphql";
import { CloseCode, handleProtocols, makeServer } from "graphql-ws";
import { WebSocketServer, type WebSocket } from "ws";
import type { ClientInfo } from "../auth/types";
import type { HttpConfig } from "../config";
import { AuthenticationError, AuthFailure } from "../errors";
import { socketOperations, type SocketValues } from "../graphql/socketOperations";
import type { Logger } from "../logger";
import type { Services } from "../services";
import { AnonymousSockets } from "./anonymousSockets";
import { isAllowedOrigin } from "./cors";
import { closeReason, LiveSockets, SocketClose } from "./liveSockets";
import { GRAPHQL_PATH } from "./paths";
import type { Readiness } from "./readiness";
import { readClientInfo, socketRequestValues } from "./requestReader";

export interface SubscriptionServerDeps {
  config: HttpConfig;
  schema: GraphQLSchema;
  services: Services;
  readiness: Readiness;
  logger: Logger;
  /** Milliseconds since the epoch: a socket closes when its token expires by this clock. */
  now: () => number;
}

/**
 * What graphql-ws carries for each socket (its context's `extra`): the socket, the caller read
 * from the upgrade, and, once the connection is initialised, its values and the function that
 * forgets it. Not the upgrade request itself: an idle socket should hold little.
 */
interface SocketExtra {
  socket: WebSocket;
  client: ClientInfo;
  values?: SocketValues;
  release?: () => void;
  /** A signed-in socket's expiry check (LiveSockets); none for an anonymous socket. */
  closeIfExpired?: () => boolean;
}

/** How long sockets get to finish their close handshake at shutdown before they are cut. */
const CLOSE_GRACE_MS = 1_000;

export interface SubscriptionServer {
  /** Closes every socket (1001, "server shutting down") and refuses new ones; idempotent. */
  close(): Promise<void>;
}

/**
 * GraphQL subscriptions over a WebSocket (graphql-ws's protocol, on `ws`) on the same path as
 * HTTP GraphQL. The upgrade is refused with a plain HTTP answer, before any handshake, for another
 * path, an Origin that CORS_ORIGINS does not allow (no cross-site WebSocket hijacking: a browser
 * sends Origin on every upgrade), a draining server and a full one (WS_MAX_SOCKETS). A
 * connection's `connectionParams.authorization` is verified as the Authorization header is; a
 * refused one closes with 4401. Without one, the socket may subscribe only to @public fields, and
 * one address may hold at most WS_MAX_ANONYMOUS_SOCKETS_PER_IP such sockets (4429 beyond).
 * The transport is graphql-ws's `ws` adapter, written here so that errors go to our log.
 */
export function attachSubscriptionServer(server: http.Server, deps: SubscriptionServerDeps): SubscriptionServer {
  const limits = deps.config.subscriptions;
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes, handleProtocols });
  const sockets = new LiveSockets({
    authenticator: deps.services.authenticator,
    liveEvents: deps.services.liveEvents,
    maxSocketsPerUser: limits.maxSocketsPerUser,
    now: deps.now,
    logger: deps.logger,
  });
  const anonymous = new AnonymousSockets(limits.maxAnonymousSocketsPerIp);
  const operations = socketOperations<SocketExtra>({
    schema: deps.schema,
    services: deps.services,
    config: deps.config,
    logger: deps.logger,
    // Set by onConnect, which graphql-ws runs before it lets any subscribe through.
    valuesOf: (ctx) => ctx.extra.values!,
  });
  const graphqlWs = makeServer<Record<string, unknown> | undefined, SocketExtra>({
    schema: deps.schema,
    ...operations,
    onSubscribe: (ctx, id, payload) => {
      // A socket lives no longer than its token. The sweep closes it within EXPIRY_SWEEP_MS of the
      // expiry; a subscribe that comes in between closes it now, the same way (4401, "token
      // expired": refresh, connect again), rather than failing alone on a socket that is about to close.
      if (ctx.extra.closeIfExpired?.()) {
        // Answered too, though the closing socket will not carry it.
        const expired = new AuthenticationError(AuthFailure.TOKEN_EXPIRED);
        return [new GraphQLError(expired.message, { originalError: expired })];
      }
      return operations.onSubscribe!(ctx, id, payload);
    },
    onConnect: async (ctx) => {
      const extra = ctx.extra;
      const { socket } = extra;
      const values: SocketValues = {
        id: crypto.randomUUID(),
        request: socketRequestValues(extra.client, ctx.connectionParams?.authorization),
        eventBounds: {
          maxQueued: limits.maxQueuedEvents,
          onOverflow: () => socket.close(SocketClose.TRY_AGAIN_LATER, "slow consumer: events were not read"),
        },
      };
      extra.values = values;
      // Anonymous: only @public fields will pass their rules.
      if (values.request.credential.kind === "none") {
        extra.release = anonymous.admit(extra.client.ip);
        if (extra.release) return true;
        socket.close(
          SocketClose.TOO_MANY_SOCKETS,
          `too many sockets without a token from this address (at most ${limits.maxAnonymousSocketsPerIp})`,
        );
        return false;
      }
      try {
        const caller = await deps.services.authenticator.authenticate(values.request.credential);
        const admitted = sockets.admit(caller, values.request.credential, (code, reason) => socket.close(code, reason));
        if (admitted) {
          extra.release = admitted.release;
          extra.closeIfExpired = admitted.closeIfExpired;
          return true;
        }
        socket.close(SocketClose.TOO_MANY_SOCKETS, `too many sockets for this user (at most ${limits.maxSocketsPerUser})`);
      } catch (error) {
        const reason = closeReason(error);
        if (reason) socket.close(SocketClose.UNAUTHORIZED, reason);
        else {
          // Not an answer about the token (the database is unreachable): the client may try again.
          deps.logger.warn({ err: error }, "a subscription socket could not be authenticated");
          socket.close(SocketClose.TRY_AGAIN_LATER, "try again later");
        }
      }
      // Closed above; graphql-ws's own close (4403) then finds the socket closing and does nothing.
      return false;
    },
    onClose: (ctx) => {
      ctx.extra.release?.();
    },
  });

  wss.on("connection", (socket: WebSocket, request: http.IncomingMessage) => {
    // A client's own fault (a message over WS_MAX_MESSAGE_BYTES, a bad frame): ws closes the socket with its code.
    socket.on("error", (error) => deps.logger.debug({ err: error }, "a subscription socket failed"));
    const stopKeepAlive = keepAlive(socket, limits.keepAliveSeconds * 1000);
    const closed = graphqlWs.opened(
      {
        protocol: socket.protocol,
        // Resolves once the frame has left (ws's callback): graphql-ws sends a subscription's next event only then.
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) resolve();
            else socket.send(data, (error) => (error ? reject(error) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on("message", (data: Buffer) => {
            handle(data.toString("utf8")).catch((error: unknown) => {
              deps.logger.error({ err: error }, "a subscription message failed");
              socket.close(CloseCode.InternalServerError, "Internal server error");
            });
          }),
      },
      { socket, client: readClientInfo(request, deps.config.trustProxyHops) },
    );
    socket.once("close", (code, reason) => {
      stopKeepAlive();
      void closed(code, reason.toString("utf8"));
    });
  });

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

/** A ping every `intervalMs`; a socket that has not answered (pong) by the next one is cut. Returns the stop. */
function keepAlive(socket: WebSocket, intervalMs: number): () => void {
  let answered = true;
  socket.on("pong", () => (answered = true));
  const timer = setInterval(() => {
    if (!answered) {
      socket.terminate();
      return;
    }
    answered = false;
    socket.ping();
  }, intervalMs);
  return () => clearInterval(timer);
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
