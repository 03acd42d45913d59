import crypto from "node:crypto";
import type pg from "pg";
import { inPoolTransaction } from "../../db/poolTransaction";
import { AuthFailure, AuthenticationError, ForbiddenError, ForbiddenReason, InputError } from "../../errors";
import { Prisma, type PrismaClient } from "../../generated/prisma/client";
import { addressKey } from "../limits/clientAddress";
import type { AccessTokens } from "../tokens/accessTokens";
import type { CurrentPasswordCheck } from "../passwords/currentPasswordCheck";
import type { EmailVerification } from "../mailedLinks/emailVerification";
import { validateNewPassword, validateOfferedPassword } from "../passwords/validation";
import { validateEmail, validateName } from "../users/validation";
import type { KnownLoginAddresses } from "../limits/knownLoginAddresses";
import { givenBackKeys, type LoginRateLimiter } from "../limits/loginRateLimiter";
import type { PasswordHasher } from "../passwords/hashing";
import { replacePassword } from "../passwords/replacement";
import type { SignupRateLimiter } from "../limits/signupRateLimiter";
import { passwordProven } from "../sessions/assurance";
import { newSession, tokenPair } from "../sessions/lifecycle";
import type { AuthResult, Caller, ClientInfo } from "../types";
import { sessionStartValues } from "../sessions/perUserLimit";
import { recordFailedLogin, recordSecurityEvents, recordSecurityEventsOnPool } from "../securityEvents/recording";
import { lockForLogin, readAccountForLogin, writeLogin } from "./loginStatements";

export interface SignupInput {
  email: string;
  password: string;
  name: string;
}

export interface LoginInput {
  email: string;
  password: string;
}

export interface ChangePasswordInput {
  currentPassword: string;
  newPassword: string;
}

export interface AccountServiceDeps {
  prisma: PrismaClient;
  /** The pool Prisma uses: a login sends its statements through it (./loginStatements.ts). */
  pool: pg.Pool;
  passwords: PasswordHasher;
  accessTokens: AccessTokens;
  loginRateLimiter: LoginRateLimiter;
  /** The current password, proved before a password change. */
  currentPassword: CurrentPasswordCheck;
  signupRateLimiter: SignupRateLimiter;
  knownAddresses: KnownLoginAddresses;
  verification: EmailVerification;
  /** Refuse logins until the account's email is verified (REQUIRE_VERIFIED_EMAIL). */
  requireVerifiedEmail: boolean;
  refreshTokenTtlSeconds: number;
  /** Live sessions one user may hold; a login beyond it ends the user's oldest. */
  maxSessionsPerUser: number;
  now: () => number;
}

/**
 * Accounts and their passwords: signup and login (the two ways to start a session), password change.
 * Signup mails a verification link (EmailVerification).
 */
export class AccountService {
  constructor(private readonly deps: AccountServiceDeps) {}

  /**
   * Counted per client address before the hash: every signup costs one, and a taken email's
   * answer tells that the account exists (see docs/security.md).
   */
  async signup(input: SignupInput, client: ClientInfo): Promise<AuthResult> {
    const email = validateEmail(input.email);
    const name = validateName(input.name);
    const password = validateNewPassword(input.password, email);
    const { passwords, signupRateLimiter, knownAddresses } = this.deps;
    passwords.ensureCapacity("create");
    await signupRateLimiter.take(client.ip);
    const passwordHash = await passwords.hash(password);
    const now = this.deps.now();
    const session = newSession(client, passwordProven(now), this.deps.refreshTokenTtlSeconds, now);
    try {
      // One transaction: the user, its first known address, the session and its refresh token (one
      // nested insert), and the SIGNUP event exist together or not at all.
      const { sessions, ...user } = await this.deps.prisma.$transaction(async (tx) => {
        const created = await tx.user.create({
          data: { email, name, passwordHash, knownLoginAddresses: knownAddresses.first(client.ip), sessions: { create: session.data } },
          include: { sessions: { select: { id: true } } },
        });
        const sessionId = created.sessions[0]!.id;
        await recordSecurityEvents(tx, now, [{ kind: "SIGNUP", userId: created.id, actorId: created.id, sessionId, client }]);
        return created;
      });
      this.deps.verification.sendLink(user);
      return tokenPair(
        this.deps.accessTokens,
        { user, sessionId: sessions[0]!.id, assurance: session.assurance, hasSecondFactor: false },
        session,
      );
    } catch (error) {
      // The unique index decides races between two signups with one email.
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
        throw new InputError("email", "An account with this email already exists. Log in instead.", "EMAIL_TAKEN");
      }
      throw error;
    }
  }

  /**
   * Wrong email and wrong password give the same error and take the same time. Every attempt is
   * counted against the client address and the account first; over a limit, no password is checked.
   *
   * An account with a second factor gets a level-1 session (`secondFactorRequired`): the password
   * was one factor of two. Its account count stands until the factor is verified, and its address
   * is remembered only then, so that the password alone neither resets a code guesser's count
   * nor makes the guesser's address one of the account's own (limits/loginRateLimiter.ts).
   */
  async login(input: LoginInput, client: ClientInfo): Promise<AuthResult> {
    const email = validateEmail(input.email);
    validateOfferedPassword(input.password);
    const { prisma, pool, passwords, loginRateLimiter, knownAddresses } = this.deps;
    passwords.ensureCapacity("check");
    const address = client.ip === null ? null : addressKey(client.ip);
    const account = readAccountForLogin(pool, email, address, knownAddresses.oldestKnown());
    const attempt = await loginRateLimiter.take(
      email,
      client.ip,
      account.then((read) => read.knownAddress),
    );
    const { user, hasSecondFactor } = await account;
    // An account without a password (made through an identity provider) answers as an unknown email does.
    const passwordHash = user?.passwordHash ?? null;
    const passwordMatches =
      passwordHash !== null ? await passwords.verify(input.password, passwordHash) : await passwords.verifyAgainstDummy(input.password);
    if (!user || passwordHash === null || !passwordMatches) {
      // Sent for an unknown email too, so that both take the same time; it records only for an account.
      await recordFailedLogin(prisma, this.deps.now(), email, client, { reason: "WRONG_PASSWORD" });
      throw new AuthenticationError(AuthFailure.INVALID_CREDENTIALS);
    }
    // Said only to whoever knows the password, so it tells a stranger nothing about the account.
    // Still a failure, on the counters (no giveBack), so its events are bounded like a wrong password's.
    if (user.disabledAt !== null) {
      await recordFailedLogin(prisma, this.deps.now(), email, client, { reason: "ACCOUNT_DISABLED" });
      throw new ForbiddenError(ForbiddenReason.ACCOUNT_DISABLED);
    }
    if (this.deps.requireVerifiedEmail && user.emailVerifiedAt === null) {
      await (hasSecondFactor ? loginRateLimiter.giveBackAddress(attempt) : loginRateLimiter.giveBack(attempt));
      // The only way back in for a user who lost the signup session: a fresh link, within the user's mail limit.
      await this.deps.verification.resendQuietly(user);
      throw new ForbiddenError(ForbiddenReason.EMAIL_NOT_VERIFIED);
    }

    // The cost was raised since this hash was made; the password is at hand only now.
    const upgradedHash = passwords.needsRehash(passwordHash) ? await passwords.hash(input.password) : undefined;
    const now = this.deps.now();
    const session = newSession(client, passwordProven(now), this.deps.refreshTokenTtlSeconds, now);
    const sessionId = crypto.randomUUID();
    await inPoolTransaction(pool, async (tx) => {
      // With a second factor to come, the account's count stands and the address is remembered only once it is verified.
      const locked = await lockForLogin(tx, user.id, givenBackKeys(attempt, hasSecondFactor), now);
      if (!locked) throw new AuthenticationError(AuthFailure.INVALID_CREDENTIALS);
      // Disabled while the password was checked: the disabling ended the account's sessions, and
      // none may start after it. The transaction rolls back, points given back included.
      if (locked.disabledAt !== null) throw new ForbiddenError(ForbiddenReason.ACCOUNT_DISABLED);
      const endedIds = await writeLogin(
        tx,
        sessionStartValues(user.id, sessionId, session, this.deps.maxSessionsPerUser, now),
        { address: hasSecondFactor ? null : address, oldestKnown: knownAddresses.oldestKnown() },
        upgradedHash,
      );
      const login = { userId: user.id, actorId: user.id, sessionId, client };
      // One INSERT for both: a login costs one more statement than before the event log, however many sessions it ends.
      await recordSecurityEventsOnPool(tx, now, [
        { ...login, kind: "LOGIN", detail: { method: "PASSWORD", ...(hasSecondFactor && { secondFactorRequired: true }) } },
        ...(endedIds.length > 0 ? [{ ...login, kind: "SESSION_LIMIT" as const, detail: { endedSessionIds: endedIds } }] : []),
      ]);
    });
    return tokenPair(this.deps.accessTokens, { user, sessionId, assurance: session.assurance, hasSecondFactor }, session);
  }

  /**
   * Needs the current password (and, for an account with a second factor, a recent verification:
   * schema.graphql's @recentSecondFactor). Then the new password replaces it as replacePassword
   * says: every session ends, pending links that could undo it become void, and the caller
   * continues in a new session that has proven what the caller's had.
   */
  async changePassword(caller: Caller, input: ChangePasswordInput, client: ClientInfo): Promise<AuthResult> {
    const { prisma, passwords, now } = this.deps;
    const { user } = caller;
    validateOfferedPassword(input.currentPassword, "currentPassword");
    const newPassword = validateNewPassword(input.newPassword, user.email, "newPassword");
    await this.deps.currentPassword.confirm(caller, input.currentPassword, client);
    const passwordHash = await passwords.hash(newPassword);
    const session = newSession(client, caller.assurance, this.deps.refreshTokenTtlSeconds, now());
    // Its first write is the user row: the order of a login (sessions/perUserLimit.ts), so the two cannot deadlock.
    const { user: updatedUser, sessionId } = await prisma.$transaction((tx) =>
      replacePassword(tx, this.deps, {
        userId: user.id,
        passwordHash,
        reason: "PASSWORD_CHANGED",
        session,
        hasSecondFactor: caller.hasSecondFactor,
        client,
        now: now(),
      }),
    );
    const paired = { user: updatedUser, sessionId, assurance: session.assurance, hasSecondFactor: caller.hasSecondFactor };
    return tokenPair(this.deps.accessTokens, paired, session);
  }
}
