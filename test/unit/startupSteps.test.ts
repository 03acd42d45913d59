import { startupStep } from "../../src/startupSteps";
import { captureLogs } from "../support/capturedLogs";

describe("a start-up step", () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test("says what it begins, then every 3 s that it still runs, and nothing once it is done", async () => {
    const logs = captureLogs("info");
    let finish!: (value: string) => void;
    const step = startupStep(logs.logger, "applying database migrations", () => new Promise<string>((resolve) => (finish = resolve)));
    jest.advanceTimersByTime(7_000);
    finish("done");
    expect(await step).toBe("done");
    jest.advanceTimersByTime(10_000);
    expect(logs.lines().map((line) => [line.msg, line.seconds])).toEqual([
      ["applying database migrations", undefined],
      ["still applying database migrations…", 3],
      ["still applying database migrations…", 6],
    ]);
  });

  test("a step that fails stops saying that it runs, and its error reaches the caller", async () => {
    const logs = captureLogs("info");
    const step = startupStep(logs.logger, "starting embedded PostgreSQL", () => Promise.reject(new Error("initdb failed")));
    await expect(step).rejects.toThrow("initdb failed");
    jest.advanceTimersByTime(10_000);
    expect(logs.lines()).toHaveLength(1);
  });
});
