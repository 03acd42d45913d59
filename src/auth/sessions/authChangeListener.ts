import pg from "pg";
import type { AuthCache } from "./authCache";
import type { Logger } from "../../logger";

/** The channel that prisma/migrations/*_auth_change_notifications publishes on. */
const AUTH_CHANGES_CHANNEL = "auth_changes";
/** Lets an operator (and the tests) find each process's listener connection in pg_stat_activity. */
export function listenerApplicationName(pid = process.pid): string {
  return `auth-change-listener pid ${pid}`;
}

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
  cache: AuthCache;
  logger: Logger;
}

/**
 * Holds one dedicated connection that LISTENs for changes to users and sessions and drops the
 * matching cache entries. The cache is on only while this connection is listening: when it is
 * lost, the cache is emptied and switched off (every request reads the database), and it is
 * switched on again, empty, only after LISTEN is re-established, so that changes missed in
 * between can never be served from memory.
 */
export class AuthChangeListener {
  private client: pg.Client | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private retryDelayMs = FIRST_RETRY_DELAY_MS;
  private stopped = false;

  constructor(private readonly options: AuthChangeListenerOptions) {}

  get isListening(): boolean {
    return this.options.cache.isEnabled;
  }

  /** Connects; a failure is logged and retried in the background (the cache stays off meanwhile). */
  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.pingTimer);
    this.options.cache.disable();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const { cache, logger } = this.options;
    const client = new pg.Client({ ...this.options.connection, application_name: listenerApplicationName(), keepAlive: true });
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      // Off before anything else: from here on, changes may go unheard.
      cache.disable();
      if (this.client === client) {
        this.client = undefined;
        clearTimeout(this.pingTimer);
      }
      if (this.stopped) return;
      logger.warn({ err: error, retryInMs: this.retryDelayMs }, "auth change listener lost its connection; cache off until it is back");
      this.scheduleReconnect();
    };
    // Without an 'error' handler a dropped connection would crash the process.
    client.on("error", onLost);
    client.on("end", () => onLost());
    client.on("notification", (message) => this.apply(message.payload));
    try {
      await client.connect();
      await client.query(`LISTEN ${AUTH_CHANGES_CHANNEL}`);
    } catch (error) {
      client.end().catch(() => undefined);
      onLost(error as Error);
      return;
    }
    if (lost || this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryDelayMs = FIRST_RETRY_DELAY_MS;
    // Only now, with LISTEN in place, is every later change sure to be heard.
    cache.enable();
    logger.info("auth change listener connected; cache on");
    this.schedulePing(client, onLost);
  }

  /** One ping at a time, each PING_INTERVAL_MS after the last answer. */
  private schedulePing(client: pg.Client, onLost: (error?: Error) => void): void {
    this.pingTimer = setTimeout(() => {
      client.query("SELECT 1").then(
        () => {
          if (this.client === client) this.schedulePing(client, onLost);
        },
        (error: Error) => {
          // No answer within query_timeout: a frozen server. The cache goes off first, then the
          // socket is dropped (end() destroys it while the ping is still outstanding).
          onLost(error);
          client.end().catch(() => undefined);
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

  private apply(payload: string | undefined): void {
    const separator = payload?.indexOf(":") ?? -1;
    const kind = payload?.slice(0, separator);
    const id = payload?.slice(separator + 1);
    if (kind === "user" && id) this.options.cache.invalidateUser(id);
    else if (kind === "session" && id) this.options.cache.invalidateSession(id);
    else {
      // Something we cannot place: the only safe answer is to forget everything.
      this.options.cache.enable();
      this.options.logger.warn({ payload }, "unknown auth change notification; cache cleared");
    }
  }
}
