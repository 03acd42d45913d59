import WebSocket from "ws";
import { createApiClient, type ApiClient } from "../../examples/apollo-client/apiClient";
import {
  CreatePostDocument,
  MeDocument,
  PostPublishedDocument,
  PublishPostDocument,
  SessionEventsDocument,
  SignupDocument,
  type PostPublishedSubscription,
  type SessionEventsSubscription,
} from "../../examples/apollo-client/generated/graphql";
import { SessionTokens } from "../../examples/client/sessionTokens";
import { graphql, LOGOUT_ALL, logIn, PASSWORD, sessionIdOf, uniqueEmail } from "../support/graphqlClient";
import { useTestServer } from "../support/testServer";
import { waitUntil } from "../support/waitUntil";

const MINUTE = 60_000;

/** What one Apollo subscription has delivered so far, and the error it ended with. */
interface Delivered<T> {
  data: T[];
  error: Error | undefined;
}

// examples/apollo-client against the real server: queries and mutations over HTTP, subscriptions
// over the WebSocket, through one ApolloClient. The server refuses queries on the socket and
// subscriptions over HTTP, so each answer shows that the split sent it the right way.
describe("Apollo Client with a split HTTP/WebSocket link (examples/apollo-client)", () => {
  let clockAhead = 0;
  // The server's clock is moved to expire access tokens: its sockets close by this clock.
  const app = useTestServer({}, () => Date.now() + clockAhead);
  const clients: ApiClient[] = [];
  afterEach(async () => {
    clockAhead = 0;
    await Promise.all(clients.splice(0).map((api) => api.close()));
  });

  /** A client of a new account, signed up through the client itself; the tokens live in `tokens`. */
  async function signedUpClient() {
    const tokens = new SessionTokens(app.url);
    const api = createApiClient(app.url, tokens, WebSocket);
    clients.push(api);
    const email = uniqueEmail("apollo");
    const { data } = await api.client.mutate({
      mutation: SignupDocument,
      variables: { input: { email, password: PASSWORD, name: "Apollo" } },
    });
    tokens.begin(data!.signup);
    let connections = 0;
    api.socket.on("connected", () => connections++);
    return { api, tokens, email, connections: () => connections };
  }

  function delivered<T>(api: ApiClient, subscription: typeof SessionEventsDocument | typeof PostPublishedDocument): Delivered<T> {
    const seen: Delivered<T> = { data: [], error: undefined };
    api.client.subscribe({ query: subscription }).subscribe({
      next: (result) => {
        if (result.data) seen.data.push(result.data as T);
        if (result.error) seen.error = result.error;
      },
      error: (error: Error) => (seen.error = error),
    });
    return seen;
  }

  /**
   * Signs the account in elsewhere until one of those sign-ins arrives: a subscribe is answered
   * with nothing, so an event through it is the only sign that the server has set it up.
   */
  async function signInsUntilOneArrives(email: string, events: Delivered<SessionEventsSubscription>) {
    const sessionIds: string[] = [];
    await waitUntil(async () => {
      if (events.error) throw events.error;
      if (events.data.some(({ sessionEvents }) => sessionEvents.kind === "STARTED" && sessionIds.includes(sessionEvents.sessionId)))
        return true;
      sessionIds.push(sessionIdOf((await logIn(app.url, email)).accessToken));
      return false;
    }, "a sign-in elsewhere arrived");
  }

  test("me over HTTP with the token; sessionEvents and postPublished over the WebSocket, as they happen", async () => {
    const { api, email } = await signedUpClient();
    const { data } = await api.client.query({ query: MeDocument, fetchPolicy: "network-only" });
    expect(data?.me).toMatchObject({ email, name: "Apollo", role: "USER" });

    const events = delivered<SessionEventsSubscription>(api, SessionEventsDocument);
    await signInsUntilOneArrives(email, events);
    expect(events.data[0]!.sessionEvents).toEqual({
      __typename: "SessionEvent",
      kind: "STARTED",
      sessionId: expect.any(String),
      at: expect.any(String),
      reason: null,
    });

    const posts = delivered<PostPublishedSubscription>(api, PostPublishedDocument);
    const published: string[] = [];
    await waitUntil(async () => {
      if (posts.error) throw posts.error;
      if (posts.data.some(({ postPublished }) => published.includes(postPublished.id))) return true;
      const { data: draft } = await api.client.mutate({
        mutation: CreatePostDocument,
        variables: { input: { title: "Live", body: "Body." } },
      });
      await api.client.mutate({ mutation: PublishPostDocument, variables: { id: draft!.createPost.id } });
      published.push(draft!.createPost.id);
      return false;
    }, "a published post arrived");
    const arrived = posts.data.find(({ postPublished }) => published.includes(postPublished.id))!.postPublished;
    expect(arrived).toMatchObject({ title: "Live", publishedAt: expect.any(String), author: { name: "Apollo" } });
  });

  test("an access token that expired between two queries is refreshed over HTTP and the query sent again", async () => {
    const { api, tokens, email } = await signedUpClient();
    const firstToken = tokens.accessToken;
    // Sixteen minutes later on the server's clock, the 15-minute access token has expired.
    clockAhead = 16 * MINUTE;
    const { data } = await api.client.query({ query: MeDocument, fetchPolicy: "network-only" });
    expect(data?.me.email).toBe(email);
    expect(tokens.accessToken).not.toBe(firstToken);
  });

  test("when the token expires the socket closes; the link refreshes it and the subscription goes on; when the session ends, it ends", async () => {
    const { api, tokens, email, connections } = await signedUpClient();
    const events = delivered<SessionEventsSubscription>(api, SessionEventsDocument);
    await signInsUntilOneArrives(email, events);
    const firstToken = tokens.accessToken;

    // Sixteen minutes later on the server's clock, the 15-minute access token has expired.
    clockAhead = 16 * MINUTE;
    await waitUntil(() => connections() === 2, "the socket connected again");
    expect(tokens.accessToken).not.toBe(firstToken);
    expect(events.error).toBeUndefined();
    await signInsUntilOneArrives(email, events);
    // The refreshed token goes over HTTP too.
    expect((await api.client.query({ query: MeDocument, fetchPolicy: "network-only" })).data?.me.email).toBe(email);

    const elsewhere = await logIn(app.url, email);
    await graphql(app.url, LOGOUT_ALL, {}, { token: elsewhere.accessToken });
    await waitUntil(() => events.error !== undefined, "the subscription ended");
    expect(events.error!.message).toBe("Socket closed with event 4401 session ended");
    expect(connections()).toBe(2);
  });
});
