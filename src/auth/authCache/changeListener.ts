import pg from "pg";
import type { AuthCache } from "./cache";
import type { Logger } from "../../logger";

/** The channel that prisma/migrations/*_auth_change_notifications publishes on. */
const AUTH_CHANGES_CHANNEL = "auth_changes";
/** The channel of what subscriptions deliver (prisma/migrations/*_live_event_notifications). */
const LIVE_EVENTS_CHANNEL = "live_events";
/** Lets an operator (and the tests) find each process's listener connection in pg_stat_activity. */
export function listenerApplicationName(pid = process.pid): string {
  return `auth-change-listener pid ${pid}`;
}

/**
 * Longest a request waits for the listener to catch up. A connection that does not answer an
 * empty query in this time may be holding back notifications too, so it is taken for lost.
 */
const CATCH_UP_TIMEOUT_MS = 2_000;

/** The first wait before reconnecting; it doubles after each failure, up to the maximum. */
const FIRST_RETRY_DELAY_MS = 1_000;
const MAX_RETRY_DELAY_MS = 30_000;
/**
 * How often the listener asks the server for a sign of life. Only waiting for notifications, it
 * would never learn that the server froze or that the network dropped: TCP keepalive is answered
 * by the server's kernel even while PostgreSQL itself is stopped.
 */
const PING_INTERVAL_MS = 5_000;

export interface AuthChangeListenerOptions {
  /** Where to connect, and the timeouts: `connectionTimeoutMillis`, and `query_timeout` bounds each ping. */
  connection: pg.ClientConfig;
  /** Undefined when the cache is off (AUTH_CACHE_MAX_ENTRIES=0): the listener then serves its observer alone. */
  cache: AuthCache | undefined;
  logger: Logger;
}

/**
 * Told what the listener hears, after the cache has applied it: the subscriptions' fan-out
 * (src/liveEvents), which closes the sockets of ended sessions and delivers the events.
 */
export interface ChangeObserver {
  /** A user or a session changed ("user:<id>", "session:<id>" on auth_changes). */
  authChanged(kind: "user" | "session", id: string): void;
  /** A payload of the live_events channel, as it came. */
  liveEvent(payload: string): void;
  /** Changes may have gone unheard: LISTEN is in place again after the connection was lost, or a notification could not be placed. */
  relistening(): void;
}

/**
 * Holds this process's one dedicated connection that LISTENs: for changes to users and sessions,
 * which drop the matching cache entries, and for the events subscriptions deliver, which it hands
 * to its observer (one connection per process, however many sockets, whether or not the cache is on). The cache is on only while this connection is listening: when it is
 * lost, the cache is emptied and switched off (every request reads the database), and it is
 * switched on again, empty, only after LISTEN is re-established, so that changes missed in
 * between can never be served from memory.
 */
export class AuthChangeListener {
  private client: pg.Client | undefined;
  /** Ends the current connection as lost (cache off, reconnect); set while one is open. */
  private loseConnection: ((error: Error) => void) | undefined;
  /** The catch-up round trip last sent, and the one that requests arriving meanwhile share. */
  private catchUpSent: Promise<boolean> = Promise.resolve(true);
  private catchUpWaiting: Promise<boolean> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private retryDelayMs = FIRST_RETRY_DELAY_MS;
  private stopped = false;
  /** Set once the services exist, after the listener has started; nothing subscribes before that. */
  private observer: ChangeObserver | undefined;

  constructor(private readonly options: AuthChangeListenerOptions) {}

  /** With the cache: whether it is on. Without: whether LISTEN is in place. */
  get isListening(): boolean {
    return this.options.cache?.isEnabled ?? this.client !== undefined;
  }

  observe(observer: ChangeObserver): void {
    this.observer = observer;
  }

  /** Connects; a failure is logged and retried in the background (the cache stays off meanwhile). */
  async start(): Promise<void> {
    await this.connect();
  }

  /**
   * Resolves true once every change committed before this call has been applied to the cache;
   * false when that cannot be known (not connected, or the round trip failed or timed out), and
   * the caller must read the database instead.
   *
   * Without it, another process's logout could be refused here a few milliseconds late: its
   * notification reaches this process on the listener connection while the client's next request
   * arrives over HTTP, and nothing orders the two. A round trip on the listener connection orders
   * them: PostgreSQL signals every listening backend when a transaction that notified commits,
   * before the committer hears that it committed, and a backend sends the notifications it was
   * signalled for before it answers its next query (ReadyForQuery). pg emits them as
   * 'notification' events, applied at once, before that query's promise resolves. So an empty
   * query (nothing to parse or plan) sent after the change committed returns only after the
   * change's invalidation is in the cache.
   *
   * Shared: a round trip already sent may have left before the caller's change committed, so
   * callers arriving meanwhile wait for the next one, all together. At most one is in flight and
   * one waiting, whatever the number of requests.
   */
  caughtUp(): Promise<boolean> {
    this.catchUpWaiting ??= this.catchUpSent.then(() => {
      this.catchUpWaiting = undefined;
      this.catchUpSent = this.roundTrip();
      return this.catchUpSent;
    });
    return this.catchUpWaiting;
  }

  private async roundTrip(): Promise<boolean> {
    const client = this.client;
    if (!client || this.options.cache?.isEnabled === false) return false;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), CATCH_UP_TIMEOUT_MS)));
    try {
      const answered = await Promise.race([client.query("").then(() => true), timedOut]);
      if (!answered) this.loseConnection?.(new Error(`no answer to a catch-up query within ${CATCH_UP_TIMEOUT_MS} ms`));
      return answered;
    } catch {
      // The connection failed: its own 'error' or 'end' handler switches the cache off.
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.pingTimer);
    this.options.cache?.disable();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const { cache, logger } = this.options;
    const client = new pg.Client({ ...this.options.connection, application_name: listenerApplicationName(), keepAlive: true });
    // Widened to boolean: onLost sets it during the awaits below, which TypeScript's narrowing cannot see.
    let lost = false as boolean;
    const onLost = (error?: unknown) => {
      if (lost) return;
      lost = true;
      // Off before anything else: from here on, changes may go unheard.
      cache?.disable();
      if (this.client === client) {
        this.client = undefined;
        this.loseConnection = undefined;
        clearTimeout(this.pingTimer);
      }
      client.end().catch(() => undefined);
      if (this.stopped) return;
      logger.warn({ err: error, retryInMs: this.retryDelayMs }, "auth change listener lost its connection; cache off until it is back");
      this.scheduleReconnect();
    };
    // Without an 'error' handler a dropped connection would crash the process.
    client.on("error", onLost);
    client.on("end", () => onLost());
    client.on("notification", (message) => {
      if (message.channel === LIVE_EVENTS_CHANNEL) this.observer?.liveEvent(message.payload ?? "");
      else this.apply(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${AUTH_CHANGES_CHANNEL}; LISTEN ${LIVE_EVENTS_CHANNEL}`);
    } catch (error) {
      onLost(error);
      return;
    }
    if (lost || this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.loseConnection = onLost;
    this.retryDelayMs = FIRST_RETRY_DELAY_MS;
    // Only now, with LISTEN in place, is every later change sure to be heard.
    cache?.enable();
    logger.info(cache ? "auth change listener connected; cache on" : "auth change listener connected");
    // Whatever changed before LISTEN was in place went unheard (nothing, at the first start: no socket is open yet).
    this.observer?.relistening();
    this.schedulePing(client, onLost);
  }

  /** One ping at a time, each PING_INTERVAL_MS after the last answer. */
  private schedulePing(client: pg.Client, onLost: (error: unknown) => void): void {
    this.pingTimer = setTimeout(() => {
      client.query("SELECT 1").then(
        () => {
          if (this.client === client) this.schedulePing(client, onLost);
        },
        (error: unknown) => {
          // No answer within query_timeout: a frozen server. onLost turns the cache off first, then
          // drops the socket (end() destroys it while the ping is still outstanding).
          onLost(error);
        },
      );
    }, PING_INTERVAL_MS);
    this.pingTimer.unref();
  }

  private scheduleReconnect(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), this.retryDelayMs);
    this.retryTimer.unref();
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, MAX_RETRY_DELAY_MS);
  }

  /** The cache first, then the observer: a socket's re-check then reads the change, not the stale entry. */
  private apply(payload: string | undefined): void {
    const { cache, logger } = this.options;
    const separator = payload?.indexOf(":") ?? -1;
    const kind = payload?.slice(0, separator);
    const id = payload?.slice(separator + 1);
    if ((kind === "user" || kind === "session") && id) {
      if (kind === "user") cache?.invalidateUser(id);
      else cache?.invalidateSession(id);
      this.observer?.authChanged(kind, id);
    } else {
      // Something we cannot place: the only safe answer is to forget everything, and to check every socket again.
      cache?.enable();
      this.observer?.relistening();
      logger.warn({ payload }, "unknown auth change notification; cache cleared");
    }
  }
}
