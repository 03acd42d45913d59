import net from "node:net";
import { StartupError } from "../startupError";

/**
 * Resolves once it is clear that `port` can be listened on at `host`: checked first, so that a
 * port in use is said at once, not after PostgreSQL and the migrations have started. Failures
 * other than a taken or forbidden port are left to the real listen, which reports them.
 */
export async function ensurePortFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  const probe = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once("error", reject);
      // Not `exclusive`: in a cluster worker the primary answers, and shares a port its workers already hold.
      probe.listen({ port, host }, resolve);
    });
  } catch (error) {
    const refusal = portRefusal(error, port);
    if (refusal) throw refusal;
    return;
  } finally {
    if (probe.listening) await new Promise((resolve) => probe.close(resolve));
  }
}

/** A listen error about the port itself, as the one line that says what to set; undefined for any other error. */
export function portRefusal(error: unknown, port: number): StartupError | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "EADDRINUSE") {
    return new StartupError(`PORT ${port} is in use by another program: stop it, or set PORT to a free port (for example PORT=4001).`);
  }
  if (code === "EACCES") {
    return new StartupError(`PORT ${port} may not be used by this user (ports below 1024 need privileges): set PORT to 1024 or above.`);
  }
  return undefined;
}
