import type { IncomingMessage } from "node:http";
import type { ClientInfo } from "../auth/clientInfo";

/**
 * The caller's address and user agent. Behind `trustProxyHops` proxies, the address is the
 * X-Forwarded-For entry that the outermost trusted proxy added; entries further left are
 * written by the client and cannot be trusted.
 */
export function clientInfo(request: IncomingMessage, trustProxyHops: number): ClientInfo {
  let ip = request.socket.remoteAddress ?? null;
  const forwarded = request.headers["x-forwarded-for"];
  if (trustProxyHops > 0 && typeof forwarded === "string") {
    const hops = forwarded
      .split(",")
      .map((entry) => entry.trim())
      .filter(Boolean);
    ip = hops[hops.length - trustProxyHops] ?? hops[0] ?? ip;
  }
  return { ip, userAgent: request.headers["user-agent"] ?? null };
}
