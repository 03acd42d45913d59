/** How far one subscription's events may queue up, and what happens beyond. */
export interface StreamBounds {
  /** Events waiting for the client at most; one more ends the stream and calls `onOverflow`. */
  maxQueued: number;
  /** The client is not reading: the edge closes its socket. */
  onOverflow(): void;
}

/**
 * One subscription's events, in order, as the async iterator that graphql-ws pulls from. It pulls
 * the next event only once the last one's frame has been written to the socket, so the events of
 * a client that stopped reading wait here, not in the socket's buffer: at most `maxQueued`, then
 * the stream ends and says so, and memory stays bounded however fast events come.
 */
export class EventStream<T> implements AsyncIterableIterator<T> {
  private readonly queued: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private ended = false;

  /** `onEnd` runs once, however the stream ends (completed by the client, the socket closed, an overflow). */
  constructor(
    private readonly bounds: StreamBounds,
    private readonly onEnd: () => void,
  ) {}

  push(value: T): void {
    if (this.ended) return;
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      waiting({ value, done: false });
    } else if (this.queued.length < this.bounds.maxQueued) {
      this.queued.push(value);
    } else {
      this.end();
      this.bounds.onOverflow();
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.queued.length > 0) return Promise.resolve({ value: this.queued.shift()!, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  /** graphql-ws calls it when the subscription completes or its socket closes. */
  return(): Promise<IteratorResult<T>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.queued.length = 0;
    this.onEnd();
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.({ value: undefined, done: true });
  }
}
