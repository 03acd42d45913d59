import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildSchema, parse, validate } from "graphql";
import type { RunningApp } from "../../src/app";
import { SECURITY_EVENT_KINDS } from "../../src/auth/securityEvents/kinds";
import { AuthFailure, ErrorCode, ForbiddenReason, LinkTokenFailure, TooManyRequestsReason } from "../../src/errors";
import { PROJECT_ROOT } from "../../src/projectRoot";
import { childEnv, run } from "../support/childProcess";
import { graphql, signUp, uniqueEmail } from "../support/graphqlClient";
import { startTestServer } from "../support/testServer";
import { LONG_TEST_TIMEOUT_MS } from "../support/timeouts";
import { waitUntil } from "../support/waitUntil";
import { freePort } from "../support/webDemo";

const read = (file: string) => fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8");

/** The text of the `## heading` section of a Markdown file, up to the next `## ` heading. */
function section(file: string, heading: string): string {
  const text = read(file);
  const start = text.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`${file} has no "## ${heading}" section`);
  const end = text.indexOf("\n## ", start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

function codeBlocks(text: string, language: string): string[] {
  return [...text.matchAll(new RegExp("```" + language + "\\n([\\s\\S]*?)```", "g"))].map((match) => match[1]!);
}

/** Rows of every Markdown table in `text` whose first cell is a `VARIABLE_NAME`: name to its other cells. */
function variableRows(text: string): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const cells = line.split(" | ").map((cell) => cell.replace(/^\|\s*|\s*\|$/g, "").trim());
    const name = /^`([A-Z][A-Z0-9_]+)`$/.exec(cells[0] ?? "")?.[1];
    if (line.startsWith("| `") && name !== undefined) rows.set(name, cells.slice(1));
  }
  return rows;
}

/** The configuration source: src/config.ts, and the files of src/config/ should it become a folder. */
function configSource(): string {
  const files = ["src/config.ts"].filter((file) => fs.existsSync(path.join(PROJECT_ROOT, file)));
  const folder = path.join(PROJECT_ROOT, "src", "config");
  if (fs.existsSync(folder)) {
    files.push(
      ...fs
        .readdirSync(folder, { recursive: true, encoding: "utf8" })
        .filter((file) => file.endsWith(".ts"))
        .map((file) => path.join("src", "config", file)),
    );
  }
  return files.map(read).join("\n");
}

const UNIT_SECONDS: Record<string, number> = { "": 1, s: 1, m: 60, h: 3600, d: 86400 };

/** `10s`, `24h`, `0` as seconds, the way the server reads a duration. */
function durationSeconds(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text);
  if (!match) throw new Error(`"${text}" is not a duration`);
  return Number(match[1]) * UNIT_SECONDS[match[2]!]!;
}

/** A numeric expression of the source, such as `100_000` or `24 * 3600`. */
const product = (expression: string) =>
  expression.split("*").reduce((total, factor) => total * Number(factor.trim().replaceAll("_", "")), 1);

// The README is the front door; the reference lives in docs/. What the docs show must work, and
// what they list must be complete.
describe("docs/api.md", () => {
  /**
   * Runs curl blocks of docs/api.md in one bash, as a reader pasting them would, against the app;
   * returns, per JSON answer line, which field answered or which reason refused.
   */
  async function pasteIntoShell(app: RunningApp, emails: { email: string; newEmail: string }, blocks: string[]) {
    const script = blocks
      .join("\n")
      .replaceAll("http://localhost:4000/graphql", app.url)
      .replaceAll("ada@example.com", emails.email)
      .replaceAll("ada.new@example.com", emails.newEmail);
    const { code, stdout, stderr } = await run("bash", ["-euo", "pipefail", "-c", script]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    return stdout
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as { data?: Record<string, unknown> | null; errors?: Array<{ extensions: { reason?: string } }> })
      .map((answer) => (answer.data ? Object.keys(answer.data)[0] : answer.errors?.[0]?.extensions.reason));
  }

  // The last section deletes the account, and with it the sessions whose endings are checked
  // here; so it goes into a second shell, after that check. It needs only what the first block
  // sets (API, pick): it logs in again itself.
  test(
    "the curl examples under Operations, pasted in order into a shell, do what they say",
    async () => {
      // Its own DATA_DIR: the mail examples read the newest .eml files there, as a reader would in theirs.
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "auth-api-readme-"));
      const app: RunningApp = await startTestServer({ DATA_DIR: dataDir });
      try {
        const email = uniqueEmail("readme");
        const newEmail = uniqueEmail("readme-new");
        // The admin examples need ADMIN_TOKEN, an admin's access token, as a reader would have it.
        const admin = await signUp(app.url, { name: "Admin" });
        await app.prisma.user.update({ where: { id: admin.user.id }, data: { role: "ADMIN" } });
        const operations = section("docs/api.md", "Operations");
        const deletionStart = operations.indexOf("\n### `deleteAccount`");
        expect(operations.indexOf("\n### ", deletionStart + 1)).toBe(-1);
        const [preamble] = codeBlocks(operations, "sh");
        const beforeDeletion = codeBlocks(operations.slice(0, deletionStart), "sh");
        expect(
          await pasteIntoShell(app, { email, newEmail }, [`ADMIN_TOKEN=${admin.accessToken}`, `DATA_DIR=${dataDir}`, ...beforeDeletion]),
        ).toEqual([
          "signup",
          "login",
          "me",
          "NOT_AUTHENTICATED",
          "refreshToken",
          "mySessions",
          "revokeSession",
          "mySecurityEvents",
          "changePassword",
          "startTotpEnrollment",
          "confirmTotpEnrollment",
          "login",
          "SECOND_FACTOR_REQUIRED",
          "verifySecondFactor",
          "regenerateRecoveryCodes",
          "disableTotp",
          "startPasskeyRegistration",
          "MALFORMED_RESPONSE",
          "startPasskeyLogin",
          "MALFORMED_RESPONSE",
          "startPasskeyVerification",
          "MALFORMED_RESPONSE",
          "NOT_FOUND",
          "NOT_FOUND",
          "identityProviders",
          "LOGIN_CODE_INVALID",
          "UNKNOWN_PROVIDER",
          "NOT_LINKED",
          "createPost",
          "updatePost",
          "publishPost",
          "feed",
          "feed",
          "myPosts",
          "post",
          "unpublishPost",
          "deletePost",
          "users",
          "securityEvents",
          "removePost",
          "setUserRole",
          "removeUserSecondFactor",
          "disableUser",
          "enableUser",
          "logout",
          "SESSION_ENDED",
          "logoutAll",
          "SESSION_ENDED",
          "verifyEmail",
          "LINK_USED",
          "resendVerification",
          "requestPasswordReset",
          "resetPassword",
          "requestEmailChange",
          "confirmEmailChange",
          "SESSION_ENDED",
        ]);

        // The email change went through: the account now has the new address, verified.
        const user = await app.prisma.user.findUniqueOrThrow({ where: { email: newEmail }, include: { sessions: true } });
        expect(user.emailVerifiedAt).not.toBeNull();
        const endings = user.sessions.map((session) => session.revokedReason).sort();
        expect(endings).toEqual([
          "EMAIL_CHANGED",
          "LOGOUT",
          "LOGOUT_ALL",
          "LOGOUT_ALL",
          "PASSWORD_CHANGED",
          "PASSWORD_RESET",
          "REVOKED",
          "USER_DISABLED",
          "USER_DISABLED",
        ]);

        expect(
          await pasteIntoShell(app, { email, newEmail }, [
            `DATA_DIR=${dataDir}`,
            preamble!,
            ...codeBlocks(operations.slice(deletionStart), "sh"),
          ]),
        ).toEqual(["deleteAccount", "SESSION_ENDED"]);
        expect(await app.prisma.user.count({ where: { OR: [{ id: user.id }, { email }, { email: newEmail }] } })).toBe(0);
        expect(await app.prisma.session.count({ where: { userId: user.id } })).toBe(0);
      } finally {
        await app.stop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    },
    LONG_TEST_TIMEOUT_MS,
  );

  test("every query and mutation of schema.graphql has its own section, with valid GraphQL and a curl command", () => {
    const schema = buildSchema(read("schema.graphql"));
    const operations = [...Object.keys(schema.getQueryType()!.getFields()), ...Object.keys(schema.getMutationType()!.getFields())];
    const operationsSection = section("docs/api.md", "Operations");
    const documented = operationsSection.split("\n### ").slice(1);
    expect(documented.map((text) => /^`(\w+)`/.exec(text)?.[1]).sort()).toEqual(operations.sort());
    for (const text of documented) {
      const graphqlBlocks = codeBlocks(text, "graphql");
      expect(graphqlBlocks).toHaveLength(1);
      expect(validate(schema, parse(graphqlBlocks[0]!)).map((error) => error.message)).toEqual([]);
      expect(codeBlocks(text, "sh").join("")).toContain("curl -s $API");
    }
    // The summary table above the sections lists every operation too.
    const tabled = [...operationsSection.matchAll(/^\| `(\w+)[(`]/gm)].map((match) => match[1]);
    expect(tabled.sort()).toEqual(operations.sort());
  });

  test("every kind of security event is in the table of kinds", () => {
    const operations = section("docs/api.md", "Authorization");
    const table = operations.slice(operations.indexOf("\n### Security events\n"));
    const documented = [...table.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((match) => match[1]);
    expect(documented).toEqual([...SECURITY_EVENT_KINDS]);
  });

  test("every error code and reason of src/errors.ts is in the Errors table", () => {
    const errors = section("docs/api.md", "Errors");
    const names = [ErrorCode, AuthFailure, ForbiddenReason, LinkTokenFailure, TooManyRequestsReason].flatMap((values) =>
      Object.values(values),
    );
    for (const name of names) expect(errors).toContain(`\`${name}\``);
  });
});

describe("docs/configuration.md", () => {
  const rows = variableRows(read("docs/configuration.md"));
  const source = configSource();

  test("every environment variable the server reads is in a table, with its default and accepted values", () => {
    const variables = new Set(
      [...source.matchAll(/\benv\.([A-Z][A-Z0-9_]+)|\(env, "([A-Z][A-Z0-9_]+)"/g)].map((match) => match[1] ?? match[2]),
    );
    expect(variables.size).toBeGreaterThan(15);
    for (const name of variables) {
      expect([name, rows.has(name!)]).toEqual([name, true]);
      const [fallback, accepted] = rows.get(name!)!;
      expect([name, fallback, accepted].every((cell) => cell !== undefined && cell !== "")).toBe(true);
    }
  });

  test("every number and duration has the default and the range that the server enforces", () => {
    // integer(env, "PORT", 4000, 0, 65535) and duration(env, "ACCESS_TOKEN_TTL", "15m", 10, 24 * 3600).
    const ranged = [
      ...source.matchAll(/\b(integer|duration)\(env, "([A-Z][A-Z0-9_]+)", (.+), ([\d_]+(?: \* [\d_]+)*), ([\d_]+(?: \* [\d_]+)*)\)/g),
    ];
    expect(ranged.length).toBeGreaterThan(20);
    for (const [, kind, name, fallback, min, max] of ranged) {
      const [documentedDefault, accepted] = rows.get(name!) ?? [];
      // A literal default appears as written: `4000` or `15m`. A computed one (cores − 1) is prose.
      const literal = /^"(.*)"$/.exec(fallback!)?.[1] ?? (/^[\d_]+$/.test(fallback!) ? fallback!.replaceAll("_", "") : undefined);
      if (literal !== undefined) expect([name, documentedDefault]).toEqual([name, `\`${literal}\``]);
      const range = /^`(\w+)` to `(\w+)`$/.exec(accepted ?? "");
      expect([name, accepted, range !== null]).toEqual([name, accepted, true]);
      const value = kind === "duration" ? durationSeconds : (text: string) => Number(text);
      expect([name, value(range![1]!), value(range![2]!)]).toEqual([name, product(min!), product(max!)]);
    }
  });
});

describe("README.md, Ports and folders", () => {
  const text = section("README.md", "Ports and folders");

  test("names PORT and DATA_DIR with the defaults the server uses", () => {
    const readme = variableRows(text);
    const reference = variableRows(read("docs/configuration.md"));
    for (const name of ["PORT", "DATA_DIR"]) expect([name, readme.get(name)?.[0]]).toEqual([name, reference.get(name)?.[0]]);
  });

  test(
    "the web page on another port, in front of an API on another port, works as it says",
    async () => {
      // The README's two commands, on ports free here.
      const pagePort = /`npm run web -- --port (\d+)`/.exec(text)?.[1];
      const apiOrigin = /`API_ORIGIN=(\S+) npm run web`/.exec(text)?.[1];
      expect([pagePort, apiOrigin]).toEqual(["5174", "http://localhost:4001"]);
      const app = await startTestServer();
      const port = await freePort();
      const web = spawn("npm", ["run", "--silent", "web", "--", "--port", String(port), "--strictPort"], {
        cwd: PROJECT_ROOT,
        env: childEnv({ API_ORIGIN: new URL(app.url).origin }),
        stdio: "ignore",
        detached: true, // its own process group: npm, the shell and Vite end together
      });
      try {
        const page = `http://localhost:${port}`;
        await waitUntil(
          () =>
            fetch(page).then(
              (response) => response.ok,
              () => false,
            ),
          `the page is served at ${page}`,
        );
        const answer = await fetch(`${page}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query: "{ __typename }" }),
        });
        expect(await answer.json()).toEqual({ data: { __typename: "Query" } });
      } finally {
        process.kill(-web.pid!, "SIGTERM");
        await app.stop();
      }
    },
    LONG_TEST_TIMEOUT_MS,
  );
});

describe("README.md, signing in with an identity provider", () => {
  // One line per sentence would be easier to match, but the README wraps its prose.
  const text = section("README.md", "See it from a client: the examples").replace(/\s+/g, " ");

  test(
    "the command starts an API that offers the button the README names; the variables it names are configuration.md's",
    async () => {
      const command = /`((?:[A-Z_]+=\S+ )+)npm start`: \*\*Sign in with ([^*]+)\*\*/.exec(text);
      expect(command).not.toBeNull();
      const env = Object.fromEntries(
        command![1]!
          .trim()
          .split(" ")
          .map((pair) => pair.split("=") as [string, string]),
      );
      expect(env).toEqual({ APP_URL: "http://localhost:5173", OIDC_DEV_PROVIDER: "true" });
      const reference = variableRows(read("docs/configuration.md"));
      for (const name of ["OIDC_DEV_PROVIDER", "OIDC_PROVIDERS", "PUBLIC_API_URL"]) {
        expect([name, new RegExp(`\\b${name}\\b`).test(text), reference.has(name)]).toEqual([name, true, true]);
      }
      const app = await startTestServer(env);
      try {
        const answer = await graphql(app.url, "{ identityProviders { id name } }");
        const providers = (answer.data as { identityProviders: Array<{ id: string; name: string }> }).identityProviders;
        expect(providers.map(({ name }) => name)).toEqual([command![2]]);
        // The button is a link to the start URL; the provider it leads to is the one built in.
        const start = await fetch(`${new URL(app.url).origin}/auth/${providers[0]!.id}/start?return_to=http://localhost:5173/`, {
          redirect: "manual",
        });
        expect(new URL(start.headers.get("location")!).pathname).toMatch(/^\/dev-idp\//);
      } finally {
        await app.stop();
      }
    },
    LONG_TEST_TIMEOUT_MS,
  );
});
