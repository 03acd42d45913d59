import pino from "pino";

export type Logger = pino.Logger;

/**
 * Structured JSON logs, one object per line, on stdout unless `destination` says otherwise (the
 * tests read them back). Secrets are redacted by path as a second line of defence; the first is
 * never passing them to the logger at all.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: undefined,
    redact: {
      paths: ["*.password", "*.passwordHash", "*.token", "*.accessToken", "*.refreshToken", "*.authorization", "*.cookie"],
      censor: "[redacted]",
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
