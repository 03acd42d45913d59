import type { AuthChangeListener } from "../auth/sessions/authChangeListener";
import { pendingMigrations } from "../db/migrationStatus";
import type { PrismaClient } from "../generated/prisma/client";
import type { Logger } from "../logger";

/** A probe that hangs is as bad as one that fails; a load balancer waits for neither. */
const CHECK_TIMEOUT_MS = 2_000;

export interface ReadinessReport {
  status: "ready" | "not ready";
  /** Why not, when not. */
  reason?: "shutting down" | "database unreachable" | "migrations pending";
  pendingMigrations?: string[];
  /** Informational: "on" while the auth cache is kept fresh by the change listener, else "off". */
  authCache: "on" | "off";
}

/**
 * GET /readyz: may this process be sent traffic? Yes when the database answers and has every
 * migration this build expects, and the process is not shutting down. (GET /healthz only says
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
    let pending: string[];
    try {
      pending = await withTimeout(pendingMigrations(this.prisma, this.committedMigrations), CHECK_TIMEOUT_MS);
    } catch (error) {
      this.logger.warn({ err: error }, "readiness: database check failed");
      return { status: "not ready", reason: "database unreachable", authCache };
    }
    if (pending.length > 0) return { status: "not ready", reason: "migrations pending", pendingMigrations: pending, authCache };
    return { status: "ready", authCache };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
