import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestLogFields } from "../graphql/context";
import type { Logger } from "../logger";

/**
 * The logger for request lines. They hold only scalar fields (RequestLogFields), never a header, variable
 * or body, so redaction has nothing to find in them, and its wildcard paths cost 4% of the CPU of
 * an authenticated request (bench/README.md). Every other log line keeps it.
 */
export function withoutRedaction(logger: Logger): Logger {
  return logger.child({}, { redact: [] });
}

/** Probes arrive every few seconds from every load balancer; they are logged only at debug level. */
const PROBE_PATHS = new Set(["/healthz", "/readyz"]);

/**
 * Writes one line when the response is finished (or the client went away): request id,
 * method, path, status, operation, user id when known, duration and outcome.
 */
export function logWhenDone(
  logger: Logger,
  request: IncomingMessage,
  response: ServerResponse,
  requestId: string,
  fields: RequestLogFields,
): void {
  const startedAt = process.hrtime.bigint();
  response.once("close", () => {
    const path = (request.url ?? "/").split("?", 1)[0]!;
    const durationMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
    const status = response.statusCode;
    const outcome = !response.writableFinished ? "aborted" : status >= 400 || fields.errorCodes ? "error" : "ok";
    const { tokenRefusal, ...shown } = fields;
    const line = { requestId, method: request.method, path, status, durationMs: Math.round(durationMs * 100) / 100, outcome, ...shown };
    if (PROBE_PATHS.has(path)) logger.debug(line, "request");
    else logger.info(line, "request");
    // The client is told only TOKEN_INVALID or TOKEN_EXPIRED (or SESSION_ENDED); the operator debugging it can learn which check.
    if (tokenRefusal) logger.debug({ requestId, tokenRefusal }, "access token refused");
  });
}
