import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { listenerApplicationName } from "../../src/auth/authCache/changeListener";
import { ConfigError } from "../../src/config";
import { StartupError } from "../../src/startupError";
import { childEnv, run } from "../support/childProcess";
import { TEST_JWT_SECRET } from "../support/testServer";
import { startTestServer } from "../support/testServer";

/** A port of 127.0.0.1 that something else holds for the whole file. */
let taken: net.Server;
const takenPort = () => (taken.address() as net.AddressInfo).port;

beforeAll(async () => {
  taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
});
afterAll(() => new Promise((resolve) => taken?.close(resolve)));

/** `npm start`'s program (from the sources), to its exit: what a user sees in the terminal. */
function startInTerminal(env: Record<string, string>) {
  const base = { NODE_ENV: "development", HOST: "127.0.0.1", JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: "info" };
  const { DATABASE_URL: _ours, ...inherited } = childEnv();
  return run(process.execPath, ["--import", "tsx", "src/main.ts"], { ...inherited, ...base, ...env });
}

// A start that fails after the database, the listener, the mailer and Apollo are open (here: a
// signing key that does not suit the algorithm) closes them again, as stop() would, and reports the failure.
describe("a start-up that fails half-way", () => {
  let db: pg.Client;
  beforeAll(async () => {
    db = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await db.connect();
  });
  afterAll(() => db?.end());

  test("rejects with the cause and leaves no connection of this process's change listener open", async () => {
    const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
    const rsaKey = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    await expect(startTestServer({ JWT_ALGORITHM: "ES256", JWT_PRIVATE_KEYS: rsaKey })).rejects.toThrow(ConfigError);
    const listeners = await db.query("SELECT 1 FROM pg_stat_activity WHERE application_name = $1", [listenerApplicationName()]);
    expect(listeners.rowCount).toBe(0);
  });
});

describe("a port in use", () => {
  test("is found before the database is opened, and the error names PORT", async () => {
    // Were the database tried first, this one would fail the start with a different error.
    const unreachable = "postgresql://nobody:secret@127.0.0.1:1/app";
    const start = startTestServer({ PORT: String(takenPort()), DATABASE_URL: unreachable, MIGRATE_ON_START: "true" });
    await expect(start).rejects.toThrow(StartupError);
    await expect(start).rejects.toThrow(`PORT ${takenPort()} is in use by another program: stop it, or set PORT to a free port`);
  });

  test("in a terminal: one line, exit code 1, and no embedded PostgreSQL started", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "auth-api-port-"));
    try {
      const { code, stdout, stderr } = await startInTerminal({ PORT: String(takenPort()), DATA_DIR: dataDir });
      expect(code).toBe(1);
      expect(stderr.trim().split("\n")).toEqual([
        expect.stringMatching(new RegExp(`^PORT ${takenPort()} is in use .* set PORT to a free port`)),
      ]);
      expect(stdout).toBe("");
      expect(fs.existsSync(path.join(dataDir, "postgres"))).toBe(false);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("a DATABASE_URL that cannot be used", () => {
  const runWith = (databaseUrl: string) => startInTerminal({ PORT: "0", DATABASE_URL: databaseUrl, MIGRATE_ON_START: "true" });
  const oneErrorLine = (stderr: string) => {
    const lines = stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    return lines[0]!;
  };

  test("nothing listening there: one line with host and port and what to check, and no Prisma output", async () => {
    const { code, stdout, stderr } = await runWith("postgresql://app:not-for-the-log@127.0.0.1:1/app");
    expect(code).toBe(1);
    expect(oneErrorLine(stderr)).toBe(
      "Cannot connect to the database: nothing accepts connections at 127.0.0.1:1. Is PostgreSQL running there, and do the host and port of DATABASE_URL name it?",
    );
    expect(`${stdout}${stderr}`).not.toMatch(/prisma|datasource|not-for-the-log/i);
  });

  test("a wrong password, or a database that does not exist: said as such, in one line", async () => {
    const url = new URL(process.env.TEST_DATABASE_URL!);
    const where = `${url.hostname}:${url.port}`;
    const wrongPassword = new URL(url);
    wrongPassword.password = "not-the-password";
    const missingDatabase = new URL(url);
    missingDatabase.pathname = "/no_such_database";

    const refused = await runWith(wrongPassword.toString());
    expect(refused.code).toBe(1);
    expect(oneErrorLine(refused.stderr)).toBe(
      `Cannot connect to the database: PostgreSQL at ${where} refused the user or password of DATABASE_URL. Check both.`,
    );
    const missing = await runWith(missingDatabase.toString());
    expect(missing.code).toBe(1);
    expect(oneErrorLine(missing.stderr)).toBe(
      `Cannot connect to the database: PostgreSQL at ${where} has no database "no_such_database". Create it, or fix the database name in DATABASE_URL.`,
    );
  });
});
