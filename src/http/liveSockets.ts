import type { RequestAuthenticator } from "../auth/sessions/requestAuthentication";
import type { BearerCredential, TokenCaller } from "../auth/types";
import { AppError, AuthFailure, AuthenticationError, ErrorCode } from "../errors";
import type { LiveEvents } from "../liveEvents/liveEvents";
import type { Logger } from "../logger";

/** The close codes the subscriptions' sockets end with, besides graphql-ws's own (docs/api.md#subscriptions). */
export const SocketClose = {
  /** graphql-ws's Unauthorized: a refused or expired token, an ended session. Refresh the token and reconnect. */
  UNAUTHORIZED: 4401,
  /** Too many sockets of this user, or without a token from this address, in this process (WS_MAX_SOCKETS_PER_USER, WS_MAX_ANONYMOUS_SOCKETS_PER_IP). */
  TOO_MANY_SOCKETS: 4429,
  /** The client did not read its events (WS_MAX_QUEUED_EVENTS), or the token could not be checked (database trouble). */
  TRY_AGAIN_LATER: 1013,
  /** The server is shutting down: reconnect (to another process). */
  GOING_AWAY: 1001,
} as const;

/** How often expired tokens are looked for: a socket closes at most this long after its token's `exp`. */
const EXPIRY_SWEEP_MS = 500;

/** What a socket of a signed-in caller is kept open on, and how to close it. */
interface TrackedSocket {
  credential: BearerCredential;
  userId: string;
  sessionId: string;
  /** A role change closes the socket: its subscriptions were allowed under the old one. */
  role: string;
  expiresAt: number;
  close(code: number, reason: string): void;
  /** A re-check is running, and another change came while it did: check again after it. */
  checking: boolean;
  checkAgain: boolean;
}

/** A socket that LiveSockets keeps: `release` when it closes. */
export interface AdmittedSocket {
  release: () => void;
  /** Closes it now (4401, "token expired") if its token has expired by the app's clock, as the sweep would; true if it did. */
  closeIfExpired: () => boolean;
}

export interface LiveSocketsDeps {
  authenticator: Pick<RequestAuthenticator, "authenticate">;
  liveEvents: Pick<LiveEvents, "watchAuthChanges">;
  maxSocketsPerUser: number;
  /** Milliseconds since the epoch; tests replace it to move time. */
  now: () => number;
  logger: Logger;
}

/**
 * This process's sockets of signed-in callers, by user and by session. When the listener hears
 * that a user or a session changed (any process, any path: logout, a password change, a disabled
 * or deleted account, ...), each socket of it authenticates its token again through the same
 * path as an HTTP request, and closes with 4401 if that fails; a sweep closes those whose token
 * has expired, by the app's clock. Per socket: its token and a few ids, no GraphQL context.
 */
export class LiveSockets {
  private readonly byUser = new Map<string, Set<TrackedSocket>>();
  private readonly bySession = new Map<string, Set<TrackedSocket>>();
  private readonly sweep: NodeJS.Timeout;
  private readonly stopWatching: () => void;

  constructor(private readonly deps: LiveSocketsDeps) {
    this.stopWatching = deps.liveEvents.watchAuthChanges({
      changed: (kind, id) => {
        for (const socket of (kind === "user" ? this.byUser : this.bySession).get(id) ?? []) this.recheck(socket);
      },
      anythingChanged: () => {
        for (const sockets of this.byUser.values()) for (const socket of sockets) this.recheck(socket);
      },
    });
    this.sweep = setInterval(() => this.closeExpired(), EXPIRY_SWEEP_MS);
    this.sweep.unref();
  }

  /**
   * Keeps the socket of `caller` open while its token and session last. Returns its handle, or
   * undefined when the user already has WS_MAX_SOCKETS_PER_USER here.
   */
  admit(caller: TokenCaller, credential: BearerCredential, close: TrackedSocket["close"]): AdmittedSocket | undefined {
    const userId = caller.user.id;
    const ofUser = this.byUser.get(userId) ?? new Set<TrackedSocket>();
    if (ofUser.size >= this.deps.maxSocketsPerUser) return undefined;
    const socket: TrackedSocket = {
      credential,
      userId,
      sessionId: caller.sessionId,
      role: caller.user.role,
      expiresAt: caller.accessTokenExpiresAt,
      close,
      checking: false,
      checkAgain: false,
    };
    this.byUser.set(userId, ofUser.add(socket));
    const ofSession = this.bySession.get(socket.sessionId) ?? new Set<TrackedSocket>();
    this.bySession.set(socket.sessionId, ofSession.add(socket));
    return {
      release: () => {
        removeFrom(this.byUser, userId, socket);
        removeFrom(this.bySession, socket.sessionId, socket);
      },
      closeIfExpired: () => closeIfExpired(socket, this.deps.now()),
    };
  }

  stop(): void {
    clearInterval(this.sweep);
    this.stopWatching();
  }

  private closeExpired(): void {
    const now = this.deps.now();
    for (const sockets of this.byUser.values()) {
      for (const socket of sockets) closeIfExpired(socket, now);
    }
  }

  /** One check at a time per socket; changes that arrive meanwhile make one more. */
  private recheck(socket: TrackedSocket): void {
    if (socket.checking) {
      socket.checkAgain = true;
      return;
    }
    socket.checking = true;
    void this.check(socket).finally(() => {
      socket.checking = false;
      if (!socket.checkAgain) return;
      socket.checkAgain = false;
      this.recheck(socket);
    });
  }

  private async check(socket: TrackedSocket): Promise<void> {
    try {
      const caller = await this.deps.authenticator.authenticate(socket.credential);
      if (caller.user.role !== socket.role) socket.close(SocketClose.UNAUTHORIZED, "role changed");
    } catch (error) {
      const refusal = closeReason(error);
      if (refusal) {
        socket.close(SocketClose.UNAUTHORIZED, refusal);
        return;
      }
      // Not an answer about the token (the database is unreachable): the client reconnects and is checked afresh.
      this.deps.logger.warn({ err: error }, "a subscription socket could not be checked again; closed");
      socket.close(SocketClose.TRY_AGAIN_LATER, "try again later");
    }
  }
}

/** The close reason for a refused token or session (short: a close reason holds 123 bytes), or undefined for other failures. */
export function closeReason(error: unknown): string | undefined {
  if (error instanceof AuthenticationError) {
    if (error.reason === AuthFailure.TOKEN_EXPIRED) return "token expired";
    if (error.reason === AuthFailure.SESSION_ENDED) return "session ended";
    return "token invalid";
  }
  // ACCOUNT_DISABLED: disabling ended the sessions too.
  if (error instanceof AppError && error.code === ErrorCode.FORBIDDEN) return "account disabled";
  return undefined;
}

/** A socket lives no longer than its token: closed with 4401 "token expired" once it has expired. */
function closeIfExpired(socket: TrackedSocket, now: number): boolean {
  if (socket.expiresAt > now) return false;
  socket.close(SocketClose.UNAUTHORIZED, "token expired");
  return true;
}

function removeFrom(index: Map<string, Set<TrackedSocket>>, key: string, socket: TrackedSocket): void {
  const sockets = index.get(key);
  sockets?.delete(socket);
  if (sockets?.size === 0) index.delete(key);
}
