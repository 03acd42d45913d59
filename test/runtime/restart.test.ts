import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startApp } from "../../src/app";
import { loadConfig } from "../../src/config";
import { createLogger } from "../../src/logger";
import { graphql, LOGIN, ME, PASSWORD, SIGNUP, uniqueEmail } from "../support/graphqlClient";
import { LONG_TEST_TIMEOUT_MS } from "../support/timeouts";

// The zero-configuration path of a fresh clone: no DATABASE_URL, no JWT_SECRET.
describe("with no configuration at all", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "auth-api-data-"));
  const config = loadConfig({
    NODE_ENV: "development",
    DATA_DIR: dataDir,
    PORT: "0",
    HOST: "127.0.0.1",
    BCRYPT_COST: "4",
    LOG_LEVEL: "silent",
  });
  const logger = createLogger("silent");
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  test(
    "the server starts its own PostgreSQL, and a restart keeps users and tokens",
    async () => {
      const email = uniqueEmail("persistent");
      const first = await startApp(config, { logger });
      let accessToken: string;
      try {
        const signup = await graphql(first.url, SIGNUP, { input: { email, password: PASSWORD, name: "Kept" } });
        expect(signup.errors).toBeUndefined();
        accessToken = signup.data!.signup.accessToken;
      } finally {
        await first.stop();
      }
      expect(fs.existsSync(path.join(dataDir, "postgres", "PG_VERSION"))).toBe(true);
      expect(fs.statSync(path.join(dataDir, "jwt-secret")).mode & 0o777).toBe(0o600);

      const second = await startApp(config, { logger });
      try {
        // The development secret was kept beside the data, so the old token still verifies.
        const me = await graphql(second.url, ME, undefined, { token: accessToken });
        expect(me.data!.me.email).toBe(email);
        const login = await graphql(second.url, LOGIN, { input: { email, password: PASSWORD } });
        expect(login.data!.login.user.email).toBe(email);
      } finally {
        await second.stop();
      }
    },
    LONG_TEST_TIMEOUT_MS,
  );
});

// README.md's other path: `DATABASE_URL=... npm start` on a fresh clone, where nothing has made DATA_DIR.
describe("with DATABASE_URL and no JWT_SECRET", () => {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), "auth-api-data-"));
  const dataDir = path.join(parent, "not", "made", "yet");
  afterAll(() => fs.rmSync(parent, { recursive: true, force: true }));

  test("the server makes DATA_DIR and keeps its development secret there", async () => {
    const config = loadConfig({
      NODE_ENV: "development",
      DATABASE_URL: process.env.TEST_DATABASE_URL,
      MIGRATE_ON_START: "false",
      DATA_DIR: dataDir,
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "silent",
    });
    const app = await startApp(config, { logger: createLogger("silent") });
    await app.stop();
    expect(fs.statSync(path.join(dataDir, "jwt-secret")).mode & 0o777).toBe(0o600);
  });
});
