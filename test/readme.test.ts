import fs from "node:fs";
import path from "node:path";
import { buildSchema, parse, validate } from "graphql";
import type { RunningApp } from "../src/app";
import { AuthFailure, ErrorCode } from "../src/errors";
import { PROJECT_ROOT } from "../src/projectRoot";
import { run } from "./support/childProcess";
import { uniqueEmail } from "./support/graphqlClient";
import { startTestServer } from "./support/testServer";

const README = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");

/** The text of the `## heading` section, up to the next `## ` heading. */
function section(heading: string): string {
  const start = README.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "## ${heading}" section`);
  const end = README.indexOf("\n## ", start + 1);
  return README.slice(start, end < 0 ? undefined : end);
}

function codeBlocks(text: string, language: string): string[] {
  return [...text.matchAll(new RegExp("```" + language + "\\n([\\s\\S]*?)```", "g"))].map((match) => match[1]!);
}

// README.md is the newcomer's guide: what it shows must work and what it lists must be complete.
describe("README.md", () => {
  test("the curl examples under Operations, pasted in order into one shell, do what they say", async () => {
    const app: RunningApp = await startTestServer();
    try {
      const email = uniqueEmail("readme");
      const script = codeBlocks(section("Operations"), "sh")
        .join("\n")
        .replaceAll("http://localhost:4000/graphql", app.url)
        .replaceAll("ada@example.com", email);
      const { code, stdout, stderr } = await run("bash", ["-euo", "pipefail", "-c", script]);
      expect(stderr).toBe("");
      expect(code).toBe(0);
      // One JSON answer per line: which field answered, or which reason refused.
      const answers = stdout
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as { data?: Record<string, unknown> | null; errors?: Array<{ extensions: { reason?: string } }> });
      expect(answers.map((answer) => (answer.data ? Object.keys(answer.data)[0] : answer.errors?.[0]?.extensions.reason))).toEqual([
        "signup",
        "login",
        "me",
        "NOT_AUTHENTICATED",
        "refreshToken",
        "mySessions",
        "revokeSession",
        "changePassword",
        "logout",
        "SESSION_ENDED",
        "logoutAll",
        "SESSION_ENDED",
      ]);

      const user = await app.prisma.user.findUniqueOrThrow({ where: { email }, include: { sessions: true } });
      const endings = user.sessions.map((session) => session.revokedReason).sort();
      expect(endings).toEqual(["LOGOUT", "LOGOUT_ALL", "LOGOUT_ALL", "PASSWORD_CHANGED", "REVOKED"]);
    } finally {
      await app.stop();
    }
  });

  test("every query and mutation of schema.graphql has its own section, with valid GraphQL and a curl command", () => {
    const schema = buildSchema(fs.readFileSync(path.join(PROJECT_ROOT, "schema.graphql"), "utf8"));
    const operations = [...Object.keys(schema.getQueryType()!.getFields()), ...Object.keys(schema.getMutationType()!.getFields())];
    const documented = section("Operations").split("\n### ").slice(1);
    expect(documented.map((text) => /^`(\w+)`/.exec(text)?.[1]).sort()).toEqual(operations.sort());
    for (const text of documented) {
      const graphqlBlocks = codeBlocks(text, "graphql");
      expect(graphqlBlocks).toHaveLength(1);
      expect(validate(schema, parse(graphqlBlocks[0]!)).map((error) => error.message)).toEqual([]);
      expect(codeBlocks(text, "sh").join("")).toContain("curl -s $API");
    }
  });

  test("every error code and reason of src/errors.ts is in the Errors table", () => {
    const errors = section("Errors");
    for (const name of [...Object.values(ErrorCode), ...Object.values(AuthFailure)]) expect(errors).toContain(`\`${name}\``);
  });

  test("every environment variable that src/config.ts reads is in the Configuration table with its default", () => {
    const source = fs.readFileSync(path.join(PROJECT_ROOT, "src", "config.ts"), "utf8");
    const variables = new Set(
      [...source.matchAll(/\benv\.([A-Z][A-Z0-9_]+)|\(env, "([A-Z][A-Z0-9_]+)"/g)].map((match) => match[1] ?? match[2]),
    );
    expect(variables.size).toBeGreaterThan(15);
    const rows = new Map(
      section("Configuration")
        .split("\n")
        .map((line) => /^\| `([A-Z0-9_]+)` \| ([^|]+) \|/.exec(line))
        .filter((match) => match !== null)
        .map((match) => [match[1], match[2]!.trim()]),
    );
    for (const name of variables) {
      expect(rows.has(name)).toBe(true);
      expect(rows.get(name)).not.toBe("");
    }
  });
});
