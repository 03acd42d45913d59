import { AuthFailure, AuthenticationError, ForbiddenError, ForbiddenReason, InputError } from "../../errors";
import { Prisma, type PrismaClient } from "../../generated/prisma/client";
import type { AccessTokens } from "../tokens/accessTokens";
import { validateEmail, validateName, validateNewPassword, validatePasswordLength } from "./inputValidation";
import type { LoginRateLimiter } from "./loginRateLimiter";
import type { PasswordHasher } from "./passwordHashing";
import type { Caller } from "../sessions/requestAuthentication";
import { newSession, sessionEnded, tokenPair, type AuthResult, type ClientInfo } from "../sessions/sessionLifecycle";

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
  passwords: PasswordHasher;
  accessTokens: AccessTokens;
  loginRateLimiter: LoginRateLimiter;
  refreshTokenTtlSeconds: number;
  now: () => number;
}

/** Accounts and their passwords: signup and login (the two ways to start a session), password change. */
export class AccountService {
  constructor(private readonly deps: AccountServiceDeps) {}

  async signup(input: SignupInput, client: ClientInfo): Promise<AuthResult> {
    const email = validateEmail(input.email);
    const name = validateName(input.name);
    const password = validateNewPassword(input.password, email);
    const passwordHash = await this.deps.passwords.hash(password);
    const session = newSession(client, this.deps.refreshTokenTtlSeconds, this.deps.now());
    try {
      // One nested insert: the user, the session and its refresh token exist together or not at all.
      const user = await this.deps.prisma.user.create({
        data: { email, name, passwordHash, sessions: { create: session.data } },
        include: { sessions: { select: { id: true } } },
      });
      const { sessions, ...plainUser } = user;
      return tokenPair(this.deps.accessTokens, plainUser, sessions[0]!.id, session);
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
   * counted against the account and the client address first; over the limit, no password is checked.
   */
  async login(input: LoginInput, client: ClientInfo): Promise<AuthResult> {
    const email = validateEmail(input.email);
    validatePasswordLength(input.password);
    const { prisma, passwords, loginRateLimiter } = this.deps;
    await loginRateLimiter.countAttempt(email, client.ip);
    const user = await prisma.user.findUnique({ where: { email } });
    const passwordMatches = user
      ? await passwords.verify(input.password, user.passwordHash)
      : await passwords.verifyAgainstDummy(input.password);
    if (!user || !passwordMatches) throw new AuthenticationError(AuthFailure.INVALID_CREDENTIALS);
    // Said only to whoever knows the password, so it tells a stranger nothing about the account.
    if (user.disabledAt !== null) throw new ForbiddenError(ForbiddenReason.ACCOUNT_DISABLED);
    await loginRateLimiter.recordSuccess(email, client.ip);

    // The cost was raised since this hash was made; the password is at hand only now.
    const upgradedHash = passwords.needsRehash(user.passwordHash) ? await passwords.hash(input.password) : undefined;
    const session = newSession(client, this.deps.refreshTokenTtlSeconds, this.deps.now());
    const [created] = await prisma.$transaction([
      prisma.session.create({ data: { ...session.data, userId: user.id }, select: { id: true } }),
      ...(upgradedHash ? [prisma.user.update({ where: { id: user.id }, data: { passwordHash: upgradedHash } })] : []),
    ]);
    return tokenPair(this.deps.accessTokens, user, created.id, session);
  }

  /**
   * Needs the current password. Every session of the user ends (whoever knew the old password may
   * hold one) and the caller continues in a new session with a fresh pair.
   */
  async changePassword(caller: Caller, input: ChangePasswordInput, client: ClientInfo): Promise<AuthResult> {
    const { prisma, passwords, now, loginRateLimiter } = this.deps;
    const { user } = caller;
    validatePasswordLength(input.currentPassword, "currentPassword");
    // A stolen access token must not become an unlimited password oracle: same counters as login.
    await loginRateLimiter.countAttempt(user.email, client.ip);
    if (!(await passwords.verify(input.currentPassword, user.passwordHash))) {
      throw new InputError("currentPassword", "The current password is wrong.", "WRONG_PASSWORD");
    }
    await loginRateLimiter.recordSuccess(user.email, client.ip);
    const passwordHash = await passwords.hash(validateNewPassword(input.newPassword, user.email, "newPassword"));
    const session = newSession(client, this.deps.refreshTokenTtlSeconds, now());
    const [, updatedUser, created] = await prisma.$transaction([
      prisma.session.updateMany({
        where: { userId: user.id, revokedAt: null },
        data: sessionEnded("PASSWORD_CHANGED", now()),
      }),
      prisma.user.update({ where: { id: user.id }, data: { passwordHash, tokenVersion: { increment: 1 } } }),
      prisma.session.create({ data: { ...session.data, userId: user.id }, select: { id: true } }),
    ]);
    return tokenPair(this.deps.accessTokens, updatedUser, created.id, session);
  }
}
