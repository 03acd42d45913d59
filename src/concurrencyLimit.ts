/**
 * Runs at most `limit` tasks at a time; the others wait their turn. Each task has a priority (0 is
 * the most urgent): a freed slot goes to the oldest waiting task of the most urgent priority, so
 * urgent work overtakes queued work, though never a task that is already running.
 *
 * The limit can move while tasks run (setLimit): raised, waiting tasks start at once; lowered,
 * running tasks finish and no new one starts until the count is under the new limit.
 */
export class ConcurrencyLimit {
  private running = 0;
  /** Waiting tasks, one queue per priority, each in arrival order. */
  private readonly waiting: Array<Array<() => void> | undefined> = [];

  constructor(private limit: number) {}

  async run<T>(task: () => Promise<T>, priority = 0): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => (this.waiting[priority] ??= []).push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter, so `running` never dips and lets a newcomer jump the queue.
      const next = this.running <= this.limit ? this.nextWaiter() : undefined;
      if (next) next();
      else this.running--;
    }
  }

  /** Tasks running or waiting. */
  get pending(): number {
    return this.running + this.waiting.reduce((sum, queue) => sum + (queue?.length ?? 0), 0);
  }

  setLimit(limit: number): void {
    this.limit = limit;
    while (this.running < this.limit) {
      const next = this.nextWaiter();
      if (!next) return;
      this.running++;
      next();
    }
  }

  /**
   * How many slots must free up before a task of this priority, arriving now, would start: 0 while
   * a slot is free, otherwise one more than the tasks that wait at this priority or a more urgent one.
   */
  turnsToWait(priority = 0): number {
    if (this.running < this.limit) return 0;
    return 1 + this.waiting.slice(0, priority + 1).reduce((sum, queue) => sum + (queue?.length ?? 0), 0);
  }

  private nextWaiter(): (() => void) | undefined {
    return this.waiting.find((queue) => queue !== undefined && queue.length > 0)?.shift();
  }
}
