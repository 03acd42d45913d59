import type { Post } from "../generated/prisma/client";
import { SESSION_END_REASONS, type SessionEndReason } from "../auth/sessions/lifecycle";
import type { Logger } from "../logger";
import type { PostService } from "../posts/postService";
import { EventStream, type StreamBounds } from "./eventStream";

/**
 * Why a session ended: what the code stores (Session.revokedReason), or the deletion of a live
 * session with its user. An expiry is not an event: the cleanup deletes expired rows a day later,
 * unannounced (prisma/migrations/*_live_event_notifications).
 */
export type LiveSessionEndReason = SessionEndReason | "ACCOUNT_DELETED";

const END_REASONS = new Set<string>([...SESSION_END_REASONS, "ACCOUNT_DELETED"] satisfies LiveSessionEndReason[]);

/** A session of a user's account started or ended (Subscription.sessionEvents). */
export interface SessionEvent {
  kind: "STARTED" | "ENDED";
  sessionId: string;
  at: Date;
  /** Null for STARTED, and for an end reason this code does not know (an operator's UPDATE). */
  reason: LiveSessionEndReason | null;
}

/** Told of changes to users and sessions: the edge re-checks the sockets they may have ended. */
export interface AuthChangeWatcher {
  changed(kind: "user" | "session", id: string): void;
  /** Changes may have gone unheard (the listener reconnected): check every socket. */
  anythingChanged(): void;
}

/**
 * The fan-out of this process's listener connection (src/auth/authCache/changeListener.ts) to
 * its subscriptions: one map from user to their sessionEvents streams, one set of postPublished
 * streams, and the watchers of auth changes. Notifications carry ids; a published post is read
 * once per process, whatever the number of its subscribers.
 */
export class LiveEvents {
  private readonly sessionStreams = new Map<string, Set<EventStream<SessionEvent>>>();
  private readonly postStreams = new Set<EventStream<Post>>();
  private readonly watchers = new Set<AuthChangeWatcher>();

  constructor(
    private readonly posts: Pick<PostService, "publishedById">,
    private readonly logger: Logger,
  ) {}

  /** The sessions of the user's account starting and ending, from now on. */
  sessionEventsOf(userId: string, bounds: StreamBounds): AsyncIterableIterator<SessionEvent> {
    let streams = this.sessionStreams.get(userId);
    if (!streams) this.sessionStreams.set(userId, (streams = new Set()));
    const ofUser = streams;
    const stream = new EventStream<SessionEvent>(bounds, () => {
      ofUser.delete(stream);
      if (ofUser.size === 0 && this.sessionStreams.get(userId) === ofUser) this.sessionStreams.delete(userId);
    });
    ofUser.add(stream);
    return stream;
  }

  /** Posts as they are published, from now on. */
  publishedPosts(bounds: StreamBounds): AsyncIterableIterator<Post> {
    const stream = new EventStream<Post>(bounds, () => this.postStreams.delete(stream));
    this.postStreams.add(stream);
    return stream;
  }

  /** Returns the function that stops watching. */
  watchAuthChanges(watcher: AuthChangeWatcher): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  // The listener's side (its ChangeObserver).

  authChanged(kind: "user" | "session", id: string): void {
    for (const watcher of this.watchers) watcher.changed(kind, id);
  }

  relistening(): void {
    for (const watcher of this.watchers) watcher.anythingChanged();
  }

  liveEvent(payload: string): void {
    const [kind, first, second, at, reason] = payload.split(":");
    if ((kind === "session_started" || kind === "session_ended") && first && second && at) {
      this.deliverSessionEvent(first, {
        kind: kind === "session_started" ? "STARTED" : "ENDED",
        sessionId: second,
        at: new Date(Number(at)),
        reason: reason !== undefined && END_REASONS.has(reason) ? (reason as LiveSessionEndReason) : null,
      });
    } else if (kind === "post_published" && first) {
      void this.deliverPublishedPost(first);
    } else {
      this.logger.warn({ payload }, "unknown live event notification; ignored");
    }
  }

  private deliverSessionEvent(userId: string, event: SessionEvent): void {
    const streams = this.sessionStreams.get(userId);
    if (!streams) return;
    // A stream that overflows leaves the set while it is walked, which a Set's iteration allows.
    for (const stream of streams) stream.push(event);
  }

  private async deliverPublishedPost(postId: string): Promise<void> {
    if (this.postStreams.size === 0) return;
    try {
      const post = await this.posts.publishedById(postId);
      if (!post) return;
      for (const stream of this.postStreams) stream.push(post);
    } catch (error) {
      this.logger.warn({ err: error, postId }, "a published post could not be read for its subscribers");
    }
  }
}
