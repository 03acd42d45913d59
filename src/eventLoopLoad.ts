import { performance, type EventLoopUtilization } from "node:perf_hooks";

/** How often the load is sampled while watched: short next to one bcrypt hash (about 230 ms at cost 12). */
const SAMPLE_MS = 50;
/** Above this share of a sample spent running callbacks (not waiting for I/O), requests are waiting for the CPU. */
const BUSY_UTILIZATION = 0.5;

/**
 * Whether this process's event loop is busy: it spent most of the last sample running callbacks
 * rather than waiting for I/O. On a busy loop requests queue for the main thread; an idle one
 * leaves CPU to spare for work off the loop (libuv's thread pool). Sampled only while watched,
 * so an idle server runs no timer.
 */
export class EventLoopLoad {
  private last = performance.eventLoopUtilization();

  /**
   * Calls `onChange(busy)` at once, judged on the time since the last sample (when the loop was
   * last watched, or since start-up), then every SAMPLE_MS, until the returned function is called.
   */
  watch(onChange: (busy: boolean) => void): () => void {
    onChange(this.sample());
    const timer = setInterval(() => onChange(this.sample()), SAMPLE_MS);
    timer.unref();
    return () => clearInterval(timer);
  }

  private sample(): boolean {
    const current: EventLoopUtilization = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(current, this.last).utilization > BUSY_UTILIZATION;
    this.last = current;
    return busy;
  }
}
