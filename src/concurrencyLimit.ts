/**
 * Runs at most `limit` tasks at a time; the others wait their turn. Each task has a priority (0 is
 * the most urgent): a freed slot goes to the oldest waiting task of the most urgent priority, so
 * urgent work overtakes queued work, though never a task that is already running.
 */
export class ConcurrencyLimit {
  private running = 0;
  /** Waiting tasks, one queue per priority, each in arrival order. */
  private readonly waiting: Array<Array<() => void> | undefined> = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>, priority = 0): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => (this.waiting[priority] ??= []).push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter, so `running` never dips and lets a newcomer jump the queue.
      const next = this.waiting.find((queue) => queue !== undefined && queue.length > 0)?.shift();
      if (next) next();
      else this.running--;
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
}
