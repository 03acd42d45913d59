import pino from "pino";

export type Logger = pino.Logger;

/**
 * Structured JSON logs, one object per line, on stdout unless `destination` says otherwise (the
 * tests read them back). Secrets are redacted by path as a second line of defence; the first is
 * never passing them to the logger at all. Errors are logged as `loggedError` describes them.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: undefined,
    serializers: { err: loggedError },
    redact: {
      paths: ["*.password", "*.passwordHash", "*.token", "*.accessToken", "*.refreshToken", "*.authorization", "*.cookie"],
      censor: "[redacted]",
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

export interface LoggedError {
  type: string;
  message: string;
  code?: string | number;
  stack?: string;
  cause?: LoggedError;
}

/** Causes followed this deep, no further: enough for "failed because ... because ...". */
const MAX_CAUSES = 3;

/**
 * What a log line keeps of an error: its type, message, code and stack, and its cause the same
 * way. Never the error's other properties: libraries hang their own objects there (pg's pool puts
 * the whole client on an idle connection's error, with its prepared statements, PostgreSQL's
 * process id and the cancel key), which pino's default serializer would write out whole.
 */
export function loggedError(value: unknown, depth = 0): LoggedError {
  if (!(value instanceof Error)) return { type: typeof value, message: String(value) };
  const { code } = value as { code?: unknown };
  return {
    type: value.constructor.name || value.name,
    message: value.message,
    ...(typeof code === "string" || typeof code === "number" ? { code } : {}),
    ...(value.stack === undefined ? {} : { stack: value.stack }),
    ...(value.cause === undefined || depth >= MAX_CAUSES ? {} : { cause: loggedError(value.cause, depth + 1) }),
  };
}
