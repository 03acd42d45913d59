// The idle sockets of `npm run bench`, in a process of their own so that opening and holding them
// does not take the bench process's CPU from the load it measures. Opens SOCKETS graphql-ws
// sockets to SOCKET_URL, each authenticated with one of the Authorization values in
// AUTHORIZATIONS (JSON, handed out round-robin) and holding one `sessionEvents` subscription;
// prints {"connected": n} once every socket is acknowledged (or {"failed": "..."}), then holds
// them, answering the server's pings, until it is stopped.
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

const url = process.env.SOCKET_URL!;
const count = Number(process.env.SOCKETS);
const authorizations = JSON.parse(process.env.AUTHORIZATIONS!) as string[];
/** Sockets opening at once: the server's accept queue and the handshakes stay short. */
const OPENING_AT_ONCE = 100;
const SESSION_EVENTS = "subscription SessionEvents { sessionEvents { kind sessionId at reason } }";

const clients: Client[] = [];

/** Opens socket `index` and subscribes; resolves once the server has acknowledged the connection. */
function open(index: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: authorizations[index % authorizations.length]! },
      retryAttempts: 0,
      on: { connected: () => resolve() },
    });
    clients.push(client);
    client.subscribe(
      { query: SESSION_EVENTS },
      {
        next: () => undefined,
        error: (error: unknown) => reject(new Error(`socket ${index}: ${JSON.stringify(error, ["code", "reason", "message"])}`)),
        complete: () => undefined,
      },
    );
  });
}

async function openAll(): Promise<void> {
  let next = 0;
  const opener = async () => {
    while (next < count) await open(next++);
  };
  await Promise.all(Array.from({ length: Math.min(OPENING_AT_ONCE, count) }, opener));
}

openAll().then(
  () => console.log(JSON.stringify({ connected: clients.length })),
  (error: unknown) => {
    console.log(JSON.stringify({ failed: (error as Error).message }));
    process.exit(1);
  },
);

process.once("SIGTERM", () => {
  for (const client of clients) void client.dispose();
  process.exit(0);
});
