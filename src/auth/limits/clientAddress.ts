import net from "node:net";

/**
 * The key a client address is counted and remembered under. IPv4 addresses count one by one;
 * IPv6 ones by their /64 network, since one subscriber usually holds a whole /64 and could
 * otherwise try from 2^64 addresses. No address at all (a socket already gone) is "unknown".
 */
export function addressKey(ip: string | null): string {
  if (ip === null) return "unknown";
  const mappedV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mappedV4) return mappedV4[1]!;
  if (net.isIPv6(ip) && !ip.includes(".")) return `${expandIPv6(ip).slice(0, 4).join(":")}::/64`;
  return ip;
}

/** The eight 16-bit groups of an IPv6 address, "::" filled in. */
function expandIPv6(ip: string): string[] {
  const [head = "", tail] = ip.toLowerCase().split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill("0");
  return [...left, ...zeros, ...right].map((group) => group.replace(/^0+(?=.)/, ""));
}
