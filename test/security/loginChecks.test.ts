import bcrypt from "bcrypt";
import { AccountMessages } from "../../src/auth/mailedLinks/accountMessages";
import { AccountService } from "../../src/auth/accounts/accountService";
import { CurrentPasswordCheck } from "../../src/auth/passwords/currentPasswordCheck";
import { EmailTokens } from "../../src/auth/tokens/emailTokens";
import { EmailVerification } from "../../src/auth/mailedLinks/emailVerification";
import { KnownLoginAddresses } from "../../src/auth/limits/knownLoginAddresses";
import { LoginRateLimiter } from "../../src/auth/limits/loginRateLimiter";
import { UserMailRateLimiter } from "../../src/auth/limits/mailRateLimiters";
import { PasswordHasher } from "../../src/auth/passwords/hashing";
import { SignupRateLimiter } from "../../src/auth/limits/signupRateLimiter";
import { AccessTokens } from "../../src/auth/tokens/accessTokens";
import { SigningKeys } from "../../src/auth/tokens/signingKeys";
import { loadConfig } from "../../src/config";
import { createDatabasePool, createPrismaClient } from "../../src/db/prismaClient";
import type { PrismaClient } from "../../src/generated/prisma/client";
import { createLogger } from "../../src/logger";
import { Mailer } from "../../src/mail/mailer";
import { graphql, LOGIN, PASSWORD, SIGNUP, uniqueEmail } from "../support/graphqlClient";
import { useTestServer, TEST_JWT_SECRET } from "../support/testServer";

const CLIENT = { ip: "192.0.2.10", userAgent: "jest" };

// The service alone, built from real parts: PostgreSQL, bcrypt, the rate limiter. bcrypt.compare is
// watched (not replaced) to see which comparisons a login really spends.
describe("login spends one bcrypt comparison whether or not the account exists", () => {
  const cost = 5;
  let prisma: PrismaClient;
  let auth: AccountService;
  let mailer: Mailer;

  beforeAll(() => {
    const pool = createDatabasePool(
      process.env.TEST_DATABASE_URL!,
      { poolSize: 2, statementTimeoutSeconds: 5, connectTimeoutSeconds: 5 },
      createLogger("silent"),
    );
    prisma = createPrismaClient(pool);
    const accessTokens = new AccessTokens({
      keys: SigningKeys.hmac(TEST_JWT_SECRET),
      issuer: "test",
      audience: "test",
      ttlSeconds: 900,
      clockToleranceSeconds: 5,
    });
    const knownAddresses = new KnownLoginAddresses(prisma, 3600, Date.now);
    const loginRateLimiter = new LoginRateLimiter(
      pool,
      { maxFailuresPerAccount: 100, maxFailuresPerIp: 100_000, windowSeconds: 60, knownAddressTtlSeconds: 3600 },
      knownAddresses,
    );
    // Signup mails a verification link: to .eml files under the test run's data folder.
    const { mail, accountEmails } = loadConfig({ DATA_DIR: process.env.TEST_DATA_DIR });
    mailer = Mailer.fromConfig(mail, createLogger("silent"));
    const tokens = new EmailTokens(prisma, { VERIFY_EMAIL: 3600, RESET_PASSWORD: 3600, CHANGE_EMAIL: 3600 }, Date.now);
    const userMailLimiter = new UserMailRateLimiter(pool, accountEmails);
    const messages = new AccountMessages(accountEmails.appUrl);
    const passwords = new PasswordHasher(cost);
    auth = new AccountService({
      prisma,
      pool,
      passwords,
      accessTokens,
      loginRateLimiter,
      currentPassword: new CurrentPasswordCheck(prisma, passwords, loginRateLimiter, Date.now),
      signupRateLimiter: new SignupRateLimiter(pool, { maxPerIp: 100_000, windowSeconds: 60 }),
      knownAddresses,
      verification: new EmailVerification({ prisma, tokens, messages, mailer, userMailLimiter, now: Date.now }),
      requireVerifiedEmail: false,
      refreshTokenTtlSeconds: 3600,
      maxSessionsPerUser: 50,
      now: Date.now,
    });
  });
  afterAll(async () => {
    await mailer.idle();
    await prisma.$disconnect();
  });
  afterEach(() => jest.restoreAllMocks());

  test.each([
    ["a wrong password for an existing account", true],
    ["an email that has no account", false],
  ])("%s: exactly one comparison, against a hash of the configured cost", async (_name, accountExists) => {
    const email = uniqueEmail("timing");
    if (accountExists) await auth.signup({ email, password: PASSWORD, name: "Timing" }, CLIENT);
    const compare = jest.spyOn(bcrypt, "compare");

    await expect(auth.login({ email, password: "not the password" }, CLIENT)).rejects.toMatchObject({ reason: "INVALID_CREDENTIALS" });

    expect(compare).toHaveBeenCalledTimes(1);
    const [password, hash] = compare.mock.calls[0] as unknown as [string, string];
    expect(password).toBe("not the password");
    expect(bcrypt.getRounds(hash)).toBe(cost);
  });
});

describe("login input is bounded before any work", () => {
  const app = useTestServer();
  afterEach(() => jest.restoreAllMocks());

  test.each([
    ["email", { email: `${"a".repeat(60_000)}@example.com`, password: PASSWORD }],
    ["email", { email: "nul\u0000byte@example.com", password: PASSWORD }],
    ["password", { email: uniqueEmail(), password: "p".repeat(60_000) }],
  ])("an absurd %s is BAD_USER_INPUT naming the field, without a bcrypt comparison", async (field, input) => {
    const compare = jest.spyOn(bcrypt, "compare");
    const response = await graphql(app.url, LOGIN, { input });
    expect(response.status).toBe(200);
    expect(response.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
    expect(compare).not.toHaveBeenCalled();
  });

  test("an email with a NUL byte is refused at signup too (PostgreSQL would fail on it)", async () => {
    const response = await graphql(app.url, SIGNUP, { input: { email: "nul\u0000byte@example.com", password: PASSWORD, name: "Nul" } });
    expect(response.errors![0]!.extensions).toEqual({ code: "BAD_USER_INPUT", field: "email", reason: "INVALID" });
  });
});
