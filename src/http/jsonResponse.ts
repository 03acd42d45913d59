import type { ServerResponse } from "node:http";

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.statusCode = status;
  response.setHeader("content-type", "application/json; charset=utf-8");
  response.end(JSON.stringify(body));
}

/** An error answered outside GraphQL (HTTP-level refusals), in the same shape as GraphQL errors. */
export function sendJsonError(response: ServerResponse, status: number, message: string, extensions: Record<string, string> = {}): void {
  sendJson(response, status, { errors: [{ message, ...(Object.keys(extensions).length > 0 ? { extensions } : {}) }] });
}
