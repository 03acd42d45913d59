import pino from "pino";

export type Logger = pino.Logger;

/**
 * Structured JSON logs. Secrets are redacted by path as a second line of defence; the first is
 * never passing them to the logger at all.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: undefined,
    redact: {
      paths: ["*.password", "*.passwordHash", "*.token", "*.accessToken", "*.refreshToken", "*.authorization", "*.cookie"],
      censor: "[redacted]",
    },
  });
}
