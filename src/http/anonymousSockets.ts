import { addressKey } from "../auth/limits/clientAddress";

/**
 * This process's sockets without a token, counted by client address (IPv6 by /64, as the login
 * limits count): at most WS_MAX_ANONYMOUS_SOCKETS_PER_IP each. A signed-in socket is bounded by
 * its user (WS_MAX_SOCKETS_PER_USER); without this bound, one address could hold every socket that
 * WS_MAX_SOCKETS allows and keep everyone else out. Addresses are not a bound for signed-in
 * sockets: many users share one behind a NAT.
 */
export class AnonymousSockets {
  private readonly openByAddress = new Map<string, number>();

  constructor(private readonly maxPerAddress: number) {}

  /** Counts a socket from `ip`. Returns the function to call when it closes, or undefined when the address has its limit open. */
  admit(ip: string | null): (() => void) | undefined {
    const key = addressKey(ip);
    const open = this.openByAddress.get(key) ?? 0;
    if (open >= this.maxPerAddress) return undefined;
    this.openByAddress.set(key, open + 1);
    return () => {
      const left = this.openByAddress.get(key)! - 1;
      if (left === 0) this.openByAddress.delete(key);
      else this.openByAddress.set(key, left);
    };
  }
}
