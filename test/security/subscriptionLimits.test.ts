import { PostPublishedDocument, SessionEventsDocument } from "../support/generated/graphql";
import { logIn, signUp } from "../support/graphqlClient";
import { acknowledgedSocket, primed, rawSocket, subscribe, testClient, type Closed, type TestClient } from "../support/subscriptionClient";
import { startTestServer, useTestServer } from "../support/testServer";
import { LONG_TEST_TIMEOUT_MS } from "../support/timeouts";
import { waitUntil } from "../support/waitUntil";

// The edges of the subscriptions' WebSocket: who may open one, and the limits that keep a process's
// sockets, and the memory they hold, bounded. Each refusal says what it refused.

describe("the upgrade to a WebSocket", () => {
  const server = useTestServer({ CORS_ORIGINS: "http://app.example" });

  test("a browser page of an origin CORS_ORIGINS does not list is refused with 403 before any handshake", async () => {
    const refused = await rawSocket(server.url, { origin: "http://evil.example" }).opened;
    expect(refused).toEqual({
      status: 403,
      body: JSON.stringify({ errors: [{ message: "This origin may not open a WebSocket to the API." }] }),
    });
  });

  test("a listed origin, and a client without Origin (not a browser), are let through", async () => {
    const account = await signUp(server.url);
    for (const options of [{ origin: "http://app.example" }, {}]) {
      const socket = await acknowledgedSocket(server.url, account.accessToken, options);
      socket.socket.close();
    }
  });

  test("another path is not a WebSocket endpoint", async () => {
    expect(await rawSocket(server.url.replace("/graphql", "/other")).opened).toMatchObject({ status: 404 });
  });
});

describe("WS_MAX_SOCKETS", () => {
  const server = useTestServer({ WS_MAX_SOCKETS: "2" });

  test("one socket more than the process allows gets 503 at the upgrade", async () => {
    const account = await signUp(server.url);
    const open = [await acknowledgedSocket(server.url, account.accessToken), await acknowledgedSocket(server.url, account.accessToken)];
    const refused = await rawSocket(server.url).opened;
    expect(refused?.status).toBe(503);
    expect(refused?.body).toContain("WS_MAX_SOCKETS");
    for (const { socket } of open) socket.close();
  });
});

describe("WS_MAX_ANONYMOUS_SOCKETS_PER_IP", () => {
  // Behind one proxy: X-Forwarded-For says which address each socket comes from.
  const server = useTestServer({ WS_MAX_ANONYMOUS_SOCKETS_PER_IP: "2", TRUST_PROXY_HOPS: "1" });

  /** A socket past `connection_init` without a token, from `ip`: acknowledged, or how it was closed. */
  async function anonymousSocket(ip: string) {
    const raw = rawSocket(server.url, { headers: { "x-forwarded-for": ip } });
    expect(await raw.opened).toBeUndefined();
    raw.send({ type: "connection_init" });
    let closed: Closed | undefined;
    void raw.closed.then((how) => (closed = how));
    await waitUntil(
      () => closed !== undefined || raw.messages.some((message) => message.type === "connection_ack"),
      "acknowledged or closed",
    );
    return { raw, closed };
  }

  test("an address's socket without a token beyond the limit closes with 4429; other addresses and signed-in sockets open", async () => {
    const first = await anonymousSocket("203.0.113.5");
    const second = await anonymousSocket("203.0.113.5");
    expect([first.closed, second.closed]).toEqual([undefined, undefined]);

    const third = await anonymousSocket("203.0.113.5");
    expect(third.closed).toEqual({ code: 4429, reason: "too many sockets without a token from this address (at most 2)" });

    const elsewhere = await anonymousSocket("203.0.113.6");
    expect(elsewhere.closed).toBeUndefined();
    const account = await signUp(server.url);
    const signedIn = await acknowledgedSocket(server.url, account.accessToken, { headers: { "x-forwarded-for": "203.0.113.5" } });

    // A closed socket makes room for the next (once the server has seen it close).
    first.raw.socket.close();
    await first.raw.closed;
    let next = await anonymousSocket("203.0.113.5");
    while (next.closed) next = await anonymousSocket("203.0.113.5");
    for (const { raw } of [next, second, elsewhere]) raw.socket.close();
    signedIn.socket.close();
  });

  test("IPv6 addresses count by their /64", async () => {
    const sameNetwork = [await anonymousSocket("2001:db8:1:2::a"), await anonymousSocket("2001:db8:1:2::b")];
    expect((await anonymousSocket("2001:db8:1:2:ffff::1")).closed?.code).toBe(4429);
    const nextNetwork = await anonymousSocket("2001:db8:1:3::a");
    expect(nextNetwork.closed).toBeUndefined();
    for (const { raw } of [...sameNetwork, nextNetwork]) raw.socket.close();
  });
});

describe("the limits of one user's and one socket's use", () => {
  const server = useTestServer({
    WS_MAX_SOCKETS_PER_USER: "2",
    WS_MAX_SUBSCRIPTIONS_PER_SOCKET: "2",
    WS_MAX_MESSAGE_BYTES: "2048",
    WS_KEEP_ALIVE: "1s",
  });
  const clients: TestClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
  });

  test("a user's socket beyond WS_MAX_SOCKETS_PER_USER closes with 4429; another user's opens", async () => {
    const [account, someoneElse] = await Promise.all([signUp(server.url), signUp(server.url)]);
    const open = [await acknowledgedSocket(server.url, account.accessToken), await acknowledgedSocket(server.url, account.accessToken)];
    const third = rawSocket(server.url);
    await third.opened;
    third.send({ type: "connection_init", payload: { authorization: `Bearer ${account.accessToken}` } });
    expect(await third.closed).toEqual({ code: 4429, reason: "too many sockets for this user (at most 2)" });
    (await acknowledgedSocket(server.url, someoneElse.accessToken)).socket.close();
    for (const { socket } of open) socket.close();
  });

  test("a subscription beyond WS_MAX_SUBSCRIPTIONS_PER_SOCKET is refused with an error; the socket and the others stay", async () => {
    const account = await signUp(server.url);
    const client = testClient(server.url, () => account.accessToken);
    clients.push(client);
    const first = subscribe(client.client, SessionEventsDocument);
    const second = subscribe(client.client, PostPublishedDocument);
    await primed(first, () => logIn(server.url, account.user.email));
    const third = subscribe(client.client, SessionEventsDocument);
    expect(await third.failed()).toEqual([
      {
        message: "At most 2 subscriptions at once on one socket (WS_MAX_SUBSCRIPTIONS_PER_SOCKET): complete one first.",
        extensions: { code: "BAD_REQUEST" },
      },
    ]);
    expect(client.closes).toEqual([]);
    expect(second.error).toBeUndefined();
    // With one completed, there is room again.
    second.unsubscribe();
    const fourth = subscribe(client.client, SessionEventsDocument);
    await primed(fourth, () => logIn(server.url, account.user.email));
  });

  test("a message larger than WS_MAX_MESSAGE_BYTES closes the socket with 1009", async () => {
    const account = await signUp(server.url);
    const socket = await acknowledgedSocket(server.url, account.accessToken);
    socket.send({ id: "1", type: "subscribe", payload: { query: `subscription { sessionEvents { kind } } # ${"x".repeat(3000)}` } });
    expect(await socket.closed).toMatchObject({ code: 1009 });
  });

  test("a socket that stops answering pings is dropped", async () => {
    const account = await signUp(server.url);
    // ws answers pings by itself; this client, like a frozen peer, does not.
    const socket = await acknowledgedSocket(server.url, account.accessToken, { autoPong: false });
    // Dropped without a close handshake: the client sees the connection cut.
    expect(await socket.closed).toMatchObject({ code: 1006 });
  });
});

describe("WS_MAX_QUEUED_EVENTS", () => {
  // Keep-alive at its default: the paused client below would not answer a ping either.
  const server = useTestServer({ WS_MAX_QUEUED_EVENTS: "5" });
  const clients: TestClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
  });

  test(
    "a client that stops reading is closed (1013, slow consumer) once WS_MAX_QUEUED_EVENTS wait, and its events stop piling up",
    async () => {
      const [author, reader] = await Promise.all([signUp(server.url), signUp(server.url)]);
      // A reading subscriber: when it has every post, the server has handed each to the slow one too.
      const watcher = testClient(server.url, () => reader.accessToken);
      clients.push(watcher);
      const all = subscribe(watcher.client, PostPublishedDocument);
      const publish = (count: number) =>
        server.prisma.post.createMany({
          data: Array.from({ length: count }, (_, index) => ({
            authorId: author.user.id,
            title: `Big ${index}`,
            body: "b".repeat(10_000),
            publishedAt: new Date(),
          })),
        });
      await primed(all, () => publish(1));
      const slow = await acknowledgedSocket(server.url, reader.accessToken);
      slow.send({ id: "1", type: "subscribe", payload: { query: "subscription { postPublished { id body } }" } });
      await primed(all, () => publish(1));
      slow.socket.pause();
      // 1,000 posts of 10 KB: far more than the socket buffers of both ends hold.
      for (let batch = 0; batch < 10; batch++) await publish(100);
      await waitUntil(() => all.results.length >= 1000, "the reading subscriber has every post");
      slow.socket.resume();
      expect(await slow.closed).toEqual({ code: 1013, reason: "slow consumer: events were not read" });
      const delivered = slow.messages.filter((message) => message.type === "next").length;
      expect(delivered).toBeLessThan(1000);
      expect(all.error).toBeUndefined();
    },
    LONG_TEST_TIMEOUT_MS,
  );
});

describe("shutdown", () => {
  test("stop() closes the sockets with 1001, so that clients reconnect to another process", async () => {
    const app = await startTestServer();
    const account = await signUp(app.url);
    const socket = await acknowledgedSocket(app.url, account.accessToken);
    await app.stop();
    expect(await socket.closed).toEqual({ code: 1001, reason: "server shutting down" });
  });
});
