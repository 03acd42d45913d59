import type pg from "pg";
import { AccountDeletion } from "./auth/accounts/accountDeletion";
import { AccountMessages } from "./auth/accounts/accountMessages";
import { AccountService } from "./auth/accounts/accountService";
import { CurrentPasswordCheck } from "./auth/accounts/currentPasswordCheck";
import { EmailChange } from "./auth/accounts/emailChange";
import { EmailTokens } from "./auth/accounts/emailTokens";
import { EmailVerification } from "./auth/accounts/emailVerification";
import { KnownLoginAddresses } from "./auth/accounts/knownLoginAddresses";
import { LoginRateLimiter } from "./auth/accounts/loginRateLimiter";
import { PasswordResetRateLimiter, UserMailRateLimiter } from "./auth/accounts/mailRateLimiters";
import { PasswordHasher } from "./auth/accounts/passwordHashing";
import { PasswordReset } from "./auth/accounts/passwordReset";
import { SignupRateLimiter } from "./auth/accounts/signupRateLimiter";
import { UserAdministration } from "./auth/accounts/userAdministration";
import { UserDirectory } from "./auth/accounts/userDirectory";
import { RefreshRotation } from "./auth/sessions/refreshRotation";
import { RequestAuthenticator } from "./auth/sessions/requestAuthentication";
import { SessionManager } from "./auth/sessions/sessionManager";
import { SessionStateReader, type CurrentAuthCache } from "./auth/sessions/sessionStateReader";
import { AccessTokens } from "./auth/tokens/accessTokens";
import { deriveRotationKey } from "./auth/tokens/refreshTokenCrypto";
import type { SigningKeys } from "./auth/tokens/signingKeys";
import { VerifiedAccessTokens } from "./auth/tokens/verifiedAccessTokens";
import type { Config } from "./config";
import type { PrismaClient } from "./generated/prisma/client";
import type { Mailer } from "./mail/mailer";
import { PostService } from "./posts/postService";

/** The services the GraphQL layer calls: the three rooms of src/auth and the posts, each built once per process. */
export interface Services {
  accounts: AccountService;
  accountDeletion: AccountDeletion;
  verification: EmailVerification;
  passwordReset: PasswordReset;
  emailChange: EmailChange;
  users: UserDirectory;
  userAdministration: UserAdministration;
  refreshRotation: RefreshRotation;
  sessions: SessionManager;
  authenticator: RequestAuthenticator;
  posts: PostService;
}

export interface ServiceDeps {
  config: Config;
  prisma: PrismaClient;
  /** The pool Prisma uses; the login and signup limiters share it. */
  pool: pg.Pool;
  /** The server secret: keys refresh-token rotation (and HS256 access tokens, through `signingKeys`). */
  jwtSecret: string;
  signingKeys: SigningKeys;
  /** Sends account mail in the background; the app waits for it on shutdown. */
  mailer: Mailer;
  /** Undefined when the auth cache is off (AUTH_CACHE_MAX_ENTRIES=0). */
  authCache: CurrentAuthCache | undefined;
  /** Milliseconds since the epoch; tests replace it to move time. */
  now: () => number;
}

export function createServices({ config, prisma, pool, jwtSecret, signingKeys, mailer, authCache, now }: ServiceDeps): Services {
  const { jwt, sessions, accountEmails } = config;
  const accessTokens = new AccessTokens({
    keys: signingKeys,
    issuer: jwt.issuer,
    audience: jwt.audience,
    ttlSeconds: jwt.accessTokenTtlSeconds,
    clockToleranceSeconds: jwt.clockToleranceSeconds,
    now,
  });
  const passwords = new PasswordHasher(config.passwords.bcryptCost, {
    concurrency: config.passwords.bcryptConcurrency,
    maxQueueWaitSeconds: config.passwords.maxQueueWaitSeconds,
  });
  const knownAddresses = new KnownLoginAddresses(prisma, config.loginLimits.knownAddressTtlSeconds, now);
  const loginRateLimiter = new LoginRateLimiter(pool, config.loginLimits, knownAddresses);
  const currentPassword = new CurrentPasswordCheck(passwords, loginRateLimiter);
  const signupRateLimiter = new SignupRateLimiter(pool, config.signupLimits);
  const { refreshTokenTtlSeconds, maxSessionsPerUser } = sessions;
  const tokens = new EmailTokens(
    prisma,
    {
      VERIFY_EMAIL: accountEmails.verificationTtlSeconds,
      RESET_PASSWORD: accountEmails.passwordResetTtlSeconds,
      CHANGE_EMAIL: accountEmails.emailChangeTtlSeconds,
    },
    now,
  );
  const messages = new AccountMessages(accountEmails.appUrl);
  const userMailLimiter = new UserMailRateLimiter(pool, accountEmails);
  const verification = new EmailVerification({ prisma, tokens, messages, mailer, userMailLimiter, now });
  return {
    accounts: new AccountService({
      prisma,
      passwords,
      accessTokens,
      loginRateLimiter,
      currentPassword,
      signupRateLimiter,
      knownAddresses,
      verification,
      tokens,
      requireVerifiedEmail: accountEmails.requireVerifiedEmail,
      refreshTokenTtlSeconds,
      maxSessionsPerUser,
      now,
    }),
    accountDeletion: new AccountDeletion({ prisma, currentPassword, now }),
    verification,
    passwordReset: new PasswordReset({
      prisma,
      passwords,
      accessTokens,
      tokens,
      messages,
      mailer,
      limiter: new PasswordResetRateLimiter(pool, accountEmails),
      knownAddresses,
      refreshTokenTtlSeconds,
      now,
    }),
    emailChange: new EmailChange({ prisma, currentPassword, tokens, messages, mailer, userMailLimiter, now }),
    users: new UserDirectory(prisma),
    userAdministration: new UserAdministration({ prisma, now }),
    refreshRotation: new RefreshRotation({
      prisma,
      accessTokens,
      rotationKey: deriveRotationKey(jwtSecret),
      refreshTokenTtlSeconds,
      reuseIntervalSeconds: sessions.refreshTokenReuseIntervalSeconds,
      now,
    }),
    sessions: new SessionManager({ prisma, now }),
    authenticator: new RequestAuthenticator(new SessionStateReader(pool, authCache), verifiedOnce(config, accessTokens, now), now),
    posts: new PostService({ prisma, now }),
  };
}

/** Access tokens verified once per process while they last; off with the auth cache (AUTH_CACHE_MAX_ENTRIES=0). */
function verifiedOnce(config: Config, accessTokens: AccessTokens, now: () => number): AccessTokens | VerifiedAccessTokens {
  if (config.authCache.maxEntries === 0) return accessTokens;
  return new VerifiedAccessTokens(accessTokens, {
    maxEntries: config.authCache.maxEntries,
    ttlMs: config.jwt.accessTokenTtlSeconds * 1000,
    clockToleranceSeconds: config.jwt.clockToleranceSeconds,
    now,
  });
}
