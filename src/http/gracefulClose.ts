import type http from "node:http";

/**
 * Stops accepting connections and waits for the requests in flight to finish, for at most
 * `timeoutMs`; then cuts whatever is still open. Idle keep-alive connections are closed at once
 * (they would otherwise hold `close` open until their keep-alive timeout); busy ones close after
 * their answer, which the server marks `Connection: close` while draining.
 * Resolves true when every request finished in time.
 */
export function closeGracefully(server: http.Server, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.closeAllConnections();
      resolve(false);
    }, timeoutMs);
    server.close(() => {
      clearTimeout(timer);
      resolve(true);
    });
    server.closeIdleConnections();
  });
}
