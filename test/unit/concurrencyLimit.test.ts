import { ConcurrencyLimit } from "../../src/concurrencyLimit";

describe("a concurrency limit", () => {
  test("runs at most `limit` tasks at once, the rest in arrival order, and a failure frees its slot", async () => {
    const limit = new ConcurrencyLimit(2);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const task =
      (id: number, fail = false) =>
      async () => {
        started.push(id);
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        if (fail) throw new Error(`task ${id} failed`);
        return id;
      };
    const results = await Promise.allSettled([1, 2, 3, 4, 5, 6].map((id) => limit.run(task(id, id === 2))));
    expect(peak).toBe(2);
    expect(started).toEqual([1, 2, 3, 4, 5, 6]);
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled", "fulfilled", "fulfilled"]);
  });

  test("a freed slot goes to the most urgent waiting task; equal ones keep arrival order", async () => {
    const limit = new ConcurrencyLimit(1);
    const started: string[] = [];
    let finishFirst!: () => void;
    const first = limit.run(() => new Promise<void>((resolve) => (finishFirst = resolve)).then(() => void started.push("running")));
    const queued = [
      limit.run(async () => void started.push("later 1"), 1),
      limit.run(async () => void started.push("later 2"), 1),
      limit.run(async () => void started.push("urgent 1"), 0),
      limit.run(async () => void started.push("urgent 2"), 0),
    ];
    finishFirst();
    await Promise.all([first, ...queued]);
    expect(started).toEqual(["running", "urgent 1", "urgent 2", "later 1", "later 2"]);
  });

  test("says how many slots must free up before a newcomer of a given priority starts", async () => {
    const limit = new ConcurrencyLimit(2);
    expect(limit.turnsToWait(1)).toBe(0);
    const release: Array<() => void> = [];
    const hold = (priority: number) => limit.run(() => new Promise<void>((resolve) => release.push(resolve)), priority);
    const tasks = [hold(0), hold(0)];
    expect(limit.turnsToWait(0)).toBe(1);
    tasks.push(hold(1), hold(1), hold(0));
    // Behind it: the urgent waiter only, for an urgent newcomer; all three for a later one.
    expect(limit.turnsToWait(0)).toBe(2);
    expect(limit.turnsToWait(1)).toBe(4);
    // Finish them one by one: each release lets the next waiter start and hand in its own.
    for (let unfinished = tasks.length; unfinished > 0; unfinished--) {
      await new Promise((resolve) => setImmediate(resolve));
      release.shift()!();
    }
    await Promise.all(tasks);
    expect(limit.turnsToWait(0)).toBe(0);
  });

  test("a raised limit starts waiting tasks at once; a lowered one lets running tasks finish and starts none until there is room", async () => {
    const limit = new ConcurrencyLimit(1);
    const started: number[] = [];
    const release = new Map<number, () => void>();
    const hold = (id: number) =>
      limit.run(() => {
        started.push(id);
        return new Promise<void>((resolve) => release.set(id, resolve));
      });
    const tasks = [hold(1), hold(2), hold(3), hold(4)];
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([1]);

    limit.setLimit(3);
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([1, 2, 3]);
    expect(limit.pending).toBe(4);

    limit.setLimit(1);
    release.get(1)!();
    release.get(2)!();
    await new Promise((resolve) => setImmediate(resolve));
    // Task 3 still runs: one at a time is the limit, so task 4 waits for it.
    expect(started).toEqual([1, 2, 3]);
    release.get(3)!();
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([1, 2, 3, 4]);
    release.get(4)!();
    await Promise.all(tasks);
    expect(limit.pending).toBe(0);
  });
});
