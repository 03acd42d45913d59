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
});
