import type pg from "pg";
import { AccountDeletion } from "./auth/accounts/accountDeletion";
import { AccountMessages } from "./auth/mailedLinks/accountMessages";
import { AccountService } from "./auth/accounts/accountService";
import { CurrentPasswordCheck } from "./auth/passwords/currentPasswordCheck";
import { EmailChange } from "./auth/mailedLinks/emailChange";
import { EmailTokens } from "./auth/tokens/emailTokens";
import { EmailVerification } from "./auth/mailedLinks/emailVerification";
import { KnownLoginAddresses } from "./auth/limits/knownLoginAddresses";
import { LoginRateLimiter } from "./auth/limits/loginRateLimiter";
import { PasswordResetRateLimiter, UserMailRateLimiter } from "./auth/limits/mailRateLimiters";
import { PasskeyLoginRateLimiter } from "./auth/limits/passkeyLoginRateLimiter";
import { PasswordHasher } from "./auth/passwords/hashing";
import { PasswordReset } from "./auth/mailedLinks/passwordReset";
import { SignupRateLimiter } from "./auth/limits/signupRateLimiter";
import { UserAdministration } from "./auth/users/administration";
import { UserDirectory } from "./auth/users/directory";
import { RefreshRotation } from "./auth/sessions/refreshRotation";
import { RequestAuthenticator } from "./auth/sessions/requestAuthentication";
import { SessionManager } from "./auth/sessions/manager";
import { SecurityEventLog } from "./auth/securityEvents/eventLog";
import { SessionStateReader } from "./auth/authCache/sessionStateReader";
import { AccessTokens } from "./auth/tokens/accessTokens";
import { AdminFactorRemoval } from "./auth/factors/adminFactorRemoval";
import { SecondFactorProof } from "./auth/factors/codeProof";
import { FactorDirectory } from "./auth/factors/factorDirectory";
import { FactorNotices } from "./auth/factors/factorNotices";
import { SecondFactorSettings } from "./auth/factors/factorSettings";
import { RecoveryCodeHasher } from "./auth/factors/recoveryCodes";
import { SecretSealer } from "./auth/factors/secretSealing";
import { SecondFactorVerification } from "./auth/factors/verification";
import { AssurancePolicy } from "./auth/sessions/assurance";
import { deriveRotationKey, deriveServerKey } from "./auth/tokens/opaqueTokens";
import { PasskeyAssertions } from "./auth/passkeys/assertions";
import { PasskeyChallenges } from "./auth/passkeys/challenges";
import { PasskeyDirectory } from "./auth/passkeys/passkeyDirectory";
import { PasskeyLogin } from "./auth/passkeys/passkeyLogin";
import { PasskeyNotices } from "./auth/passkeys/passkeyNotices";
import { PasskeyVerification } from "./auth/passkeys/passkeyVerification";
import { PasskeyRegistration } from "./auth/passkeys/registration";
import type { SigningKeys } from "./auth/tokens/signingKeys";
import type { AuthCaching } from "./authCaching";
import type { Config } from "./config";
import type { PrismaClient } from "./generated/prisma/client";
import { LiveEvents } from "./liveEvents/liveEvents";
import type { Logger } from "./logger";
import type { Mailer } from "./mail/mailer";
import { PostService } from "./posts/postService";
import { IdentityFlows } from "./auth/identities/identityFlows";
import { IdentitySettings } from "./auth/identities/identitySettings";
import { IdentitySignIn } from "./auth/identities/identitySignIn";
import { IdentityTickets } from "./auth/identities/identityTickets";
import { IdentityProviders } from "./auth/identities/providerRegistry";

/** The services the GraphQL layer calls: those of src/auth and the posts, each built once per process. */
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
  /** What the access rules ask of a caller's session: its level, a recent second factor. */
  assurance: AssurancePolicy;
  secondFactors: SecondFactorSettings;
  secondFactorVerification: SecondFactorVerification;
  adminFactorRemoval: AdminFactorRemoval;
  factors: FactorDirectory;
  securityEvents: SecurityEventLog;
  posts: PostService;
  passkeyRegistration: PasskeyRegistration;
  passkeyLogin: PasskeyLogin;
  passkeyVerification: PasskeyVerification;
  passkeys: PasskeyDirectory;
  /** The OpenID Connect providers (OIDC_PROVIDERS, and the development one). */
  identityProviders: IdentityProviders;
  /** GET /auth/{id}/start and its callback. */
  identityFlows: IdentityFlows;
  identitySignIn: IdentitySignIn;
  identities: IdentitySettings;
  /** What subscriptions deliver: session events, published posts, and the auth changes that end sockets. */
  liveEvents: LiveEvents;
}

export interface ServiceDeps {
  config: Config;
  prisma: PrismaClient;
  /** The pool Prisma uses; the request limiters share it. */
  pool: pg.Pool;
  /** The server secret: keys refresh-token rotation, seals TOTP secrets, keys recovery-code hashes (and HS256 access tokens, through `signingKeys`). */
  jwtSecret: string;
  signingKeys: SigningKeys;
  /** Sends account mail in the background; the app waits for it on shutdown. */
  mailer: Mailer;
  /** Undefined when the auth cache is off (AUTH_CACHE_MAX_ENTRIES=0). */
  authCache: AuthCaching | undefined;
  /** Milliseconds since the epoch; tests replace it to move time. */
  now: () => number;
  logger: Logger;
}

export function createServices({ config, prisma, pool, jwtSecret, signingKeys, mailer, authCache, now, logger }: ServiceDeps): Services {
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
    concurrencyWhenBusy: config.passwords.bcryptConcurrencyWhenBusy,
    maxQueueWaitSeconds: config.passwords.maxQueueWaitSeconds,
  });
  const knownAddresses = new KnownLoginAddresses(prisma, config.loginLimits.knownAddressTtlSeconds, now);
  const loginRateLimiter = new LoginRateLimiter(pool, config.loginLimits, knownAddresses);
  const currentPassword = new CurrentPasswordCheck(prisma, passwords, loginRateLimiter, now);
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
  const sealer = new SecretSealer(jwtSecret);
  const recoveryCodes = new RecoveryCodeHasher(jwtSecret);
  const factorNotices = new FactorNotices(mailer, messages);
  const assurance = new AssurancePolicy({
    recentSecondFactorMaxAgeSeconds: config.secondFactors.recentMaxAgeSeconds,
    requireAdminSecondFactor: config.secondFactors.requireForAdmins,
    now,
  });
  const rp = { id: config.webauthn.rpId, name: config.secondFactors.totpIssuer, origins: config.webauthn.origins };
  const challenges = new PasskeyChallenges(prisma, now);
  const assertions = new PasskeyAssertions(prisma, rp, now);
  const passkeyNotices = new PasskeyNotices(mailer, messages);
  const identityProviders = new IdentityProviders(config.identities);
  const identityTickets = new IdentityTickets(prisma, now);
  const proof = new SecondFactorProof({ prisma, sealer, recoveryCodes, loginRateLimiter, notices: factorNotices, now });
  const posts = new PostService({ prisma, now });
  return {
    accounts: new AccountService({
      prisma,
      pool,
      passwords,
      accessTokens,
      loginRateLimiter,
      currentPassword,
      signupRateLimiter,
      knownAddresses,
      verification,
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
      pool,
      prisma,
      accessTokens,
      rotationKey: deriveRotationKey(jwtSecret),
      refreshTokenTtlSeconds,
      reuseIntervalSeconds: sessions.refreshTokenReuseIntervalSeconds,
      now,
    }),
    sessions: new SessionManager({ prisma, pool, now }),
    authenticator: new RequestAuthenticator(
      new SessionStateReader(pool, authCache),
      authCache?.verifiedOnce(accessTokens) ?? accessTokens,
      now,
    ),
    assurance,
    secondFactors: new SecondFactorSettings({
      prisma,
      sealer,
      recoveryCodes,
      proof,
      notices: factorNotices,
      assurance,
      issuer: config.secondFactors.totpIssuer,
      now,
    }),
    secondFactorVerification: new SecondFactorVerification({ prisma, proof, accessTokens, knownAddresses, refreshTokenTtlSeconds, now }),
    adminFactorRemoval: new AdminFactorRemoval({ prisma, notices: factorNotices, now }),
    factors: new FactorDirectory(prisma),
    securityEvents: new SecurityEventLog(prisma),
    posts,
    passkeyRegistration: new PasskeyRegistration({ prisma, rp, challenges, assurance, notices: passkeyNotices, now }),
    passkeyLogin: new PasskeyLogin({
      prisma,
      rp,
      challenges,
      assertions,
      accessTokens,
      loginRateLimiter,
      startRateLimiter: new PasskeyLoginRateLimiter(pool, config.passkeyLoginLimits),
      knownAddresses,
      verification,
      decoyKey: deriveServerKey(jwtSecret, "passkey-decoy-credential"),
      requireVerifiedEmail: accountEmails.requireVerifiedEmail,
      refreshTokenTtlSeconds,
      maxSessionsPerUser,
      now,
    }),
    identityProviders,
    identityFlows: new IdentityFlows({ prisma, providers: identityProviders, tickets: identityTickets, appUrl: accountEmails.appUrl, now }),
    identitySignIn: new IdentitySignIn({
      prisma,
      tickets: identityTickets,
      accessTokens,
      knownAddresses,
      refreshTokenTtlSeconds,
      maxSessionsPerUser,
      now,
    }),
    passkeyVerification: new PasskeyVerification({
      prisma,
      rp,
      challenges,
      assertions,
      loginRateLimiter,
      accessTokens,
      knownAddresses,
      refreshTokenTtlSeconds,
      now,
    }),
    passkeys: new PasskeyDirectory({ prisma, assurance, notices: passkeyNotices, now }),
    identities: new IdentitySettings({ prisma, providers: identityProviders, tickets: identityTickets, appUrl: accountEmails.appUrl, now }),
    liveEvents: new LiveEvents(posts, logger),
  };
}
