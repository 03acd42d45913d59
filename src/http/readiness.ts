import type { AuthChangeListener } from "../auth/authCache/changeListener";
import { pendingMigrations } from "../db/migrationStatus";
import { isWritable } from "../db/writeProbe";
import type { PrismaClient } from "../generated/prisma/client";
import type { Logger } from "../logger";

/** A probe that hangs is as bad as one that fails; a load balancer waits for neither. */
const CHECK_TIMEOUT_MS = 2_000;

export interface ReadinessReport {
  status: "ready" | "not ready";
  /** Why not, when not. */
  reason?: "shutting down" | "database unreachable" | "database read-only" | "migrations pending";
  pendingMigrations?: string[];
  /** Informational: "on" while the auth cache is kept fresh by the change listener, else "off". */
  authCache: "on" | "off";
}

/**
 * GET /readyz: may this process be sent traffic? Yes when the database takes writes (reads
 * alone are not enough: signup, login and refresh all write) and has every migration this build
 * expects, and the process is not shutting down. Both checks go through the process's own pool,
 * so a pool that cannot get a connection makes the process unready too. (GET /healthz only says
 * the process is alive.) The auth cache being off does not make a process unready: it is slower,
 * not wrong.
 */
export class Readiness {
  private draining = false;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly committedMigrations: readonly string[],
    private readonly listener: AuthChangeListener | undefined,
    private readonly logger: Logger,
  ) {}

  get isDraining(): boolean {
    return this.draining;
  }

  /** From now on the process reports itself unready, so that load balancers stop sending to it. */
  startDraining(): void {
    this.draining = true;
  }

  async check(): Promise<ReadinessReport> {
    const authCache = this.listener?.isListening ? "on" : "off";
    if (this.draining) return { status: "not ready", reason: "shutting down", authCache };
    let writable: boolean;
    let pending: string[];
    try {
      [writable, pending] = await withTimeout(this.checkDatabase(), CHECK_TIMEOUT_MS);
    } catch (error) {
      this.logger.warn({ err: error }, "readiness: database check failed");
      return { status: "not ready", reason: "database unreachable", authCache };
    }
    if (!writable) return { status: "not ready", reason: "database read-only", authCache };
    if (pending.length > 0) return { status: "not ready", reason: "migrations pending", pendingMigrations: pending, authCache };
    return { status: "ready", authCache };
  }

  private async checkDatabase(): Promise<[writable: boolean, pending: string[]]> {
    const writable = await isWritable(this.prisma);
    return [writable, await pendingMigrations((sql) => this.prisma.$queryRawUnsafe(sql), this.committedMigrations)];
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
