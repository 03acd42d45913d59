// One line for a session event, as both examples print it.
import type { SessionEventsSubscription } from "../generated/graphql";

export type SessionEvent = SessionEventsSubscription["sessionEvents"];

/** `STARTED session <id> at <time>`, or `ENDED session <id> at <time> (LOGOUT_ALL)`. */
export function describeSessionEvent(event: SessionEvent): string {
  const why = event.reason ? ` (${event.reason})` : "";
  return `${event.kind} session ${event.sessionId} at ${event.at}${why}`;
}
