import { CreatePostDocument, PostPublishedDocument, PublishPostDocument, SessionEventsDocument } from "../support/generated/graphql";
import { graphql, LOGOUT, logIn, sessionIdOf, signUp, ME, type AuthPayload } from "../support/graphqlClient";
import { primed, subscribe, testClient, type Closed, type TestClient } from "../support/subscriptionClient";
import { useTestServer } from "../support/testServer";
import { waitUntil } from "../support/waitUntil";

// Subscriptions through the real server with graphql-ws's own client, as an app uses them: the
// token in connectionParams, the same rules as HTTP, events as they happen.
describe("subscriptions over the WebSocket on /graphql", () => {
  const server = useTestServer();
  const clients: TestClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
  });

  function clientWith(token: string | undefined): TestClient {
    const client = testClient(server.url, () => token);
    clients.push(client);
    return client;
  }

  /** A new session of the account: its STARTED event is what primes a sessionEvents subscription. */
  const newSession = (account: AuthPayload) => () => logIn(server.url, account.user.email);

  test("sessionEvents tells the account's sockets of its sessions starting and ending, with why", async () => {
    const account = await signUp(server.url);
    const events = subscribe(clientWith(account.accessToken).client, SessionEventsDocument);
    await primed(events, newSession(account));
    const other = await logIn(server.url, account.user.email);
    await graphql(server.url, LOGOUT, undefined, { token: other.accessToken });
    const sessionId = sessionIdOf(other.accessToken);
    const ofOther = () => events.results.map((result) => result.data?.sessionEvents).filter((event) => event?.sessionId === sessionId);
    await waitUntil(() => ofOther().length === 2, "the other session's start and end arrived");
    expect(ofOther()).toEqual([
      { kind: "STARTED", sessionId, at: expect.any(String), reason: null },
      { kind: "ENDED", sessionId, at: expect.any(String), reason: "LOGOUT" },
    ]);
    expect(events.results.every((result) => result.errors === undefined)).toBe(true);
  });

  test("another account's sessions are not told", async () => {
    const [mine, theirs] = await Promise.all([signUp(server.url), signUp(server.url)]);
    const events = subscribe(clientWith(mine.accessToken).client, SessionEventsDocument);
    await primed(events, newSession(mine));
    const started = await logIn(server.url, theirs.user.email);
    const marker = await logIn(server.url, mine.user.email);
    await waitUntil(
      () => events.results.length > 0 && JSON.stringify(events.results).includes(sessionIdOf(marker.accessToken)),
      "my own next event arrived",
    );
    expect(JSON.stringify(events.results)).not.toContain(sessionIdOf(started.accessToken));
  });

  test("postPublished delivers a post as it is published, with its author", async () => {
    const [author, reader] = await Promise.all([signUp(server.url), signUp(server.url)]);
    const posts = subscribe(clientWith(reader.accessToken).client, PostPublishedDocument);
    const publish = async (title: string) => {
      const draft = await graphql(server.url, CreatePostDocument, { input: { title, body: "Body." } }, { token: author.accessToken });
      await graphql(server.url, PublishPostDocument, { id: draft.data!.createPost.id }, { token: author.accessToken });
      return draft.data!.createPost.id;
    };
    await primed(posts, () => publish("Warm-up"));
    const id = await publish("Live");
    await waitUntil(() => posts.results.some((result) => result.data?.postPublished.id === id), "the post arrived");
    const delivered = posts.results.find((result) => result.data?.postPublished.id === id)!;
    expect(delivered).toEqual({
      data: { postPublished: { id, title: "Live", publishedAt: expect.any(String), author: { id: author.user.id, name: "Test User" } } },
    });
  });

  test.each([
    ["sessionEvents", SessionEventsDocument.toString()],
    ["postPublished", PostPublishedDocument.toString()],
  ])("a socket without a token may not subscribe to %s (every field of this schema needs a user)", async (_field, query) => {
    const anonymous = clientWith(undefined);
    const refused = subscribe(anonymous.client, query);
    const [result] = await refused.received(1);
    expect(result!.errors?.[0]).toMatchObject({ extensions: { code: "UNAUTHENTICATED", reason: "NOT_AUTHENTICATED" } });
    expect(result!.data).toBeUndefined();
  });

  test.each([
    ["a malformed token", "not-a-token", "token invalid"],
    ["a forged token", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", "token invalid"],
  ])("%s closes the socket with 4401 before anything is subscribed", async (_what, token, reason) => {
    const refused = subscribe(clientWith(token).client, SessionEventsDocument);
    expect(await refused.failed()).toMatchObject({ code: 4401, reason } satisfies Closed);
    expect(refused.results).toEqual([]);
  });

  test("queries and mutations are refused over the socket (they go over HTTP), and subscriptions over HTTP", async () => {
    const account = await signUp(server.url);
    const overSocket = subscribe(clientWith(account.accessToken).client, ME);
    expect(await overSocket.failed()).toEqual([
      expect.objectContaining({
        message: "This WebSocket carries subscriptions only: send queries and mutations over HTTP (POST /graphql).",
        extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
      }),
    ]);
    const overHttp = await graphql(server.url, SessionEventsDocument, undefined, { token: account.accessToken });
    expect(overHttp.status).toBe(400);
    expect(overHttp.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  test("logout closes the session's sockets with 4401, and only that session's", async () => {
    const account = await signUp(server.url);
    const other = await logIn(server.url, account.user.email);
    const ending = subscribe(clientWith(account.accessToken).client, SessionEventsDocument);
    const staying = subscribe(clientWith(other.accessToken).client, SessionEventsDocument);
    await primed(ending, newSession(account));
    await primed(staying, newSession(account));
    await graphql(server.url, LOGOUT, undefined, { token: account.accessToken });
    expect(await ending.failed()).toMatchObject({ code: 4401, reason: "session ended" });
    // The other socket stays open and hears of it.
    await waitUntil(
      () => staying.results.some((result) => result.data?.sessionEvents.reason === "LOGOUT"),
      "the staying socket heard of the logout",
    );
    expect(staying.error).toBeUndefined();
  });
});
