import type { IncomingMessage } from "node:http";
import net from "node:net";
import type { Logger } from "../logger";

/**
 * Where a proxy in front of the API sits: loopback, the private networks (RFC 1918, IPv6 unique
 * local), link-local, and the shared address space that clouds use inside (RFC 6598). IPv4
 * addresses written as IPv6 (::ffff:10.0.0.1) match the IPv4 rules.
 */
const PROXY_NETWORKS = new net.BlockList();
for (const [network, prefix] of [
  ["127.0.0.0", 8],
  ["10.0.0.0", 8],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["169.254.0.0", 16],
  ["100.64.0.0", 10],
] as const) {
  PROXY_NETWORKS.addSubnet(network, prefix, "ipv4");
}
PROXY_NETWORKS.addAddress("::1", "ipv6");
PROXY_NETWORKS.addSubnet("fc00::", 7, "ipv6");
PROXY_NETWORKS.addSubnet("fe80::", 10, "ipv6");

/**
 * A check for every request that warns once when the API runs behind a proxy it does not know of:
 * X-Forwarded-For arrives from a loopback or private address while TRUST_PROXY_HOPS is 0. Then
 * the header is ignored, as it must be, and every client has the proxy's address: one count in
 * the login and signup limits for all of them. Such a header from a public address is a client's
 * own, and says nothing.
 */
export function untrustedProxyWarning(logger: Logger, trustProxyHops: number): (request: IncomingMessage) => void {
  let warned = trustProxyHops > 0;
  return (request) => {
    if (warned || request.headers["x-forwarded-for"] === undefined) return;
    const peer = request.socket.remoteAddress;
    if (peer === undefined || !PROXY_NETWORKS.check(peer, net.isIPv6(peer) ? "ipv6" : "ipv4")) return;
    warned = true;
    logger.warn(
      { peer },
      "X-Forwarded-For arrives from a local address, so a proxy is in front, but TRUST_PROXY_HOPS is 0: every client counts as the proxy's address in the login and signup limits. Set TRUST_PROXY_HOPS to the number of proxies in front.",
    );
  };
}
