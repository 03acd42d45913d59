import { startChildServer, type ChildServer } from "../support/childServer";
import { CreatePostDocument, PostPublishedDocument, PublishPostDocument, SessionEventsDocument } from "../support/generated/graphql";
import { graphql, logIn, LOGOUT_ALL, sessionIdOf, signUp } from "../support/graphqlClient";
import { probeOnceItMatches } from "../support/readiness";
import { primed, subscribe, testClient, type TestClient } from "../support/subscriptionClient";
import { LONG_TEST_TIMEOUT_MS } from "../support/timeouts";
import { waitUntil } from "../support/waitUntil";

// Two API processes on one PostgreSQL, as with WEB_CONCURRENCY > 1 or replicas: what happens on
// one reaches the subscribers of the other through LISTEN/NOTIFY, with no other server. B runs
// with its auth cache off (AUTH_CACHE_MAX_ENTRIES=0): its listener connection still carries the events.
describe("subscriptions across two server processes", () => {
  let a: ChildServer;
  let b: ChildServer;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    [a, b] = await Promise.all([startChildServer(), startChildServer({ AUTH_CACHE_MAX_ENTRIES: "0" })]);
  }, LONG_TEST_TIMEOUT_MS);
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  function clientOf(server: ChildServer, token: string): TestClient {
    const client = testClient(server.url, () => token);
    clients.push(client);
    return client;
  }

  test("B, cache off, still reports its cache off: the listener it keeps is for the events", async () => {
    const ready = { status: 200, body: { status: "ready", authCache: "off" } };
    expect(await probeOnceItMatches(b.origin, "/readyz", ready)).toMatchObject(ready);
  });

  test("a sign-in on A reaches the account's sessionEvents on B", async () => {
    const account = await signUp(a.url);
    const events = subscribe(clientOf(b, account.accessToken).client, SessionEventsDocument);
    await primed(events, () => logIn(a.url, account.user.email));
    const session = await logIn(a.url, account.user.email);
    const sessionId = sessionIdOf(session.accessToken);
    await waitUntil(() => events.results.some((result) => result.data?.sessionEvents.sessionId === sessionId), "B heard of A's sign-in");
    expect(events.results.find((result) => result.data?.sessionEvents.sessionId === sessionId)?.data?.sessionEvents.kind).toBe("STARTED");
  });

  test("a post published on A reaches postPublished on B", async () => {
    const [author, reader] = await Promise.all([signUp(a.url), signUp(b.url)]);
    const posts = subscribe(clientOf(b, reader.accessToken).client, PostPublishedDocument);
    const publish = async (title: string) => {
      const draft = await graphql(a.url, CreatePostDocument, { input: { title, body: "Body." } }, { token: author.accessToken });
      await graphql(a.url, PublishPostDocument, { id: draft.data!.createPost.id }, { token: author.accessToken });
      return draft.data!.createPost.id;
    };
    await primed(posts, () => publish("Warm-up"));
    const id = await publish("From A");
    await waitUntil(() => posts.results.some((result) => result.data?.postPublished.id === id), "B delivered A's post");
  });

  test(
    "logoutAll on A closes the account's sockets on both processes with 4401",
    async () => {
      const account = await signUp(a.url);
      const sessions = [account, await logIn(b.url, account.user.email)];
      const subscriptions = [a, a, b, b].flatMap((server) =>
        sessions.map((session) => subscribe(clientOf(server, session.accessToken).client, PostPublishedDocument)),
      );
      await waitUntil(() => clients.every((client) => client.connections === 1), "every socket was accepted");
      await graphql(a.url, LOGOUT_ALL, undefined, { token: account.accessToken });
      for (const subscription of subscriptions) expect(await subscription.failed()).toMatchObject({ code: 4401, reason: "session ended" });
    },
    LONG_TEST_TIMEOUT_MS,
  );
});
