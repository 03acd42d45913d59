import { Writable } from "node:stream";
import { createLogger, type Logger } from "../../src/logger";

export interface CapturedLogs {
  /** The product's logger, writing into memory instead of stdout. */
  logger: Logger;
  /** Everything written so far, exactly as it would reach a log shipper. */
  text: () => string;
  /** The same, one parsed JSON object per line. */
  lines: () => Array<Record<string, unknown>>;
}

/** A logger whose output a test can read back, to check what is (and is not) logged. */
export function captureLogs(level = "debug"): CapturedLogs {
  let text = "";
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return {
    logger: createLogger(level, sink),
    text: () => text,
    lines: () =>
      text
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
