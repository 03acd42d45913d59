// `npm run example -- --watch`: the sessions of the account, live over the API's WebSocket, until
// this session ends (or Ctrl-C). The socket sends the access token when it opens; when that token
// expires the API closes the socket (4401, "token expired"), and the example refreshes the token
// over HTTP and subscribes again on a new socket, which sends the fresh one. When the session
// ends, the API closes the socket (4401, "session ended") and the refresh is refused as well.
import WebSocket from "ws";
import { GraphQLRequestError } from "../client/graphqlRequest";
import { graphqlSocket, socketUrl, staySubscribed } from "../client/graphqlSocket";
import { SessionTokens } from "../client/sessionTokens";
import { describeSessionEvent } from "../client/sessionEvents";
import { SessionEventsDocument } from "../generated/graphql";
import { describeError, describeTokens, narration, signUpOrLogIn, type Account } from "./story";

/** Watches until this session ends or `stop` aborts; resolves to the last line to print. */
export async function watchMySessions(url: string, account: Account, print: (line: string) => void, stop: AbortSignal): Promise<string> {
  const { heading, detail } = narration(print);

  heading(`Sign up as ${account.email} (or log in, when that account exists)`);
  const tokens = new SessionTokens(url, (renewed) => describeTokens(renewed, detail));
  tokens.begin(await signUpOrLogIn(url, account, detail));

  heading(`Watch this account's sessions over ${socketUrl(url)} (Ctrl-C stops)`);
  const client = graphqlSocket(socketUrl(url), () => tokens.accessToken, {
    webSocketImpl: WebSocket,
    on: { connected: () => detail("connected: a sign-in or a session ending anywhere shows here") },
  });
  const watching = staySubscribed(
    client,
    SessionEventsDocument,
    {},
    ({ sessionEvents }) => detail(describeSessionEvent(sessionEvents)),
    async (close) => {
      detail(`the API closed the socket (${close.code} "${close.reason}"): refreshing the token, then connecting again`);
      await tokens.refresh();
    },
  );
  stop.addEventListener("abort", () => watching.stop());
  try {
    await watching.ended;
    return "Stopped watching.";
  } catch (error) {
    if (error instanceof GraphQLRequestError && error.code === "UNAUTHENTICATED") {
      return `This session has ended: the refresh was refused (${describeError(error)}). Log in again to watch.`;
    }
    throw error;
  } finally {
    await client.dispose();
  }
}
