import crypto from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type IntrospectionQuery,
} from "graphql";
import type { RunningApp } from "../../src/app";
import { captureLogs, type CapturedLogs } from "../support/capturedLogs";
import { graphql, ME, PASSWORD, signUp } from "../support/graphqlClient";
import { randomSource, type Random } from "../support/seededRandom";
import { LONG_TEST_TIMEOUT_MS } from "../support/timeouts";
import { startTestServer } from "../support/testServer";

// Text PostgreSQL cannot hold (NUL) or that is not Unicode (a lone surrogate, which JSON's "\ud800"
// escape lets any client send) must be refused as bad input wherever a client can put text, never
// reach a library or the database and come back as an internal error. The positions are read from
// the served schema, so a String or ID added to any argument or input type is tested here at once.

const UNSTORABLE = { NUL: "a\u0000b", "a lone surrogate": "a\ud800b", "a lone low surrogate": "\udc00" };

/** The scalars an argument may use today. A new one fails the walk below until this list, and src/graphql/inputs/textChecks.ts, say whether it carries text. */
const TEXT_SCALARS = ["String", "ID"];
// JSON (WebAuthn's objects) is read by the passkey services, which take only base64url text from it.
const OTHER_INPUT_SCALARS = ["Int", "Float", "Boolean", "JSON"];

/** Where a piece of text can go: a root field's argument, then the input fields down to a String or ID. */
interface TextPosition {
  kind: "query" | "mutation";
  field: GraphQLField<unknown, unknown>;
  path: string[];
}

const describePosition = (position: TextPosition) => `${position.kind} ${position.field.name}(${position.path.join(".")})`;

async function servedSchema(url: string): Promise<GraphQLSchema> {
  const response = await graphql(url, getIntrospectionQuery());
  return buildClientSchema(response.data as IntrospectionQuery);
}

function rootFields(schema: GraphQLSchema): Array<{ kind: "query" | "mutation"; field: GraphQLField<unknown, unknown> }> {
  return [
    ...Object.values(schema.getQueryType()!.getFields()).map((field) => ({ kind: "query" as const, field })),
    ...Object.values(schema.getMutationType()!.getFields()).map((field) => ({ kind: "mutation" as const, field })),
  ];
}

/** Every path from an argument of this type to a String or ID; `scalars` collects the input scalars met on the way. */
function textPaths(type: GraphQLInputType, path: string[], scalars: Set<string>, inside: readonly string[] = []): string[][] {
  const nullable = getNullableType(type);
  if (isListType(nullable)) return textPaths(nullable.ofType, path, scalars, inside);
  if (isScalarType(nullable)) {
    scalars.add(nullable.name);
    return TEXT_SCALARS.includes(nullable.name) ? [path] : [];
  }
  if (!isInputObjectType(nullable) || inside.includes(nullable.name)) return [];
  return Object.values(nullable.getFields()).flatMap((inputField) =>
    textPaths(inputField.type, [...path, inputField.name], scalars, [...inside, nullable.name]),
  );
}

function textPositions(schema: GraphQLSchema, scalars = new Set<string>()): TextPosition[] {
  return rootFields(schema).flatMap(({ kind, field }) =>
    field.args.flatMap((arg) => textPaths(arg.type, [arg.name], scalars).map((path) => ({ kind, field, path }))),
  );
}

/** The operation that calls `field` with each of its arguments as a variable of the same name. */
function operationFor(kind: "query" | "mutation", field: GraphQLField<unknown, unknown>): string {
  const definitions = field.args.map((arg) => `$${arg.name}: ${arg.type.toString()}`).join(", ");
  const args = field.args.map((arg) => `${arg.name}: $${arg.name}`).join(", ");
  const selection = isLeafType(getNamedType(field.type)) ? "" : " { __typename }";
  return `${kind}${definitions ? ` (${definitions})` : ""} { ${field.name}${args ? `(${args})` : ""}${selection} }`;
}

const isRequired = (arg: { type: GraphQLInputType; defaultValue?: unknown }) => isNonNullType(arg.type) && arg.defaultValue === undefined;

/** A valid value of the type, with only what is required filled in. */
function plainValue(type: GraphQLInputType): unknown {
  const nullable = getNullableType(type);
  if (isListType(nullable)) return [];
  if (isEnumType(nullable)) return nullable.getValues()[0]!.value;
  if (isInputObjectType(nullable)) {
    const required = Object.values(nullable.getFields()).filter(isRequired);
    return Object.fromEntries(required.map((inputField) => [inputField.name, plainValue(inputField.type)]));
  }
  const samples: Record<string, unknown> = { String: "x", ID: crypto.randomUUID(), Int: 1, Float: 1, Boolean: true, JSON: {} };
  return samples[nullable.name];
}

/** A valid value of the type except for `text` at the end of `path` (input field names; a list gets one item). */
function valueWithTextAt(type: GraphQLInputType, path: string[], text: string): unknown {
  const nullable = getNullableType(type);
  if (isListType(nullable)) return [valueWithTextAt(nullable.ofType, path, text)];
  if (path.length === 0 || !isInputObjectType(nullable)) return text;
  const [name, ...rest] = path;
  return { ...(plainValue(nullable) as object), [name!]: valueWithTextAt(nullable.getFields()[name!]!.type, rest, text) };
}

function variablesFor(position: TextPosition, text: string): Record<string, unknown> {
  const [argName, ...inside] = position.path;
  const variables: Record<string, unknown> = {};
  for (const arg of position.field.args) {
    if (arg.name === argName) variables[arg.name] = valueWithTextAt(arg.type, inside, text);
    else if (isRequired(arg)) variables[arg.name] = plainValue(arg.type);
  }
  return variables;
}

/** Log lines at error level or above (pino: 50 error, 60 fatal), from line `from` on. */
const errorLines = (logs: CapturedLogs, from = 0) =>
  logs
    .lines()
    .slice(from)
    .filter((line) => Number(line.level) >= 50);

/** A new account with the ADMIN role, so that every operation gets past its access rule. */
async function newAdmin(app: RunningApp) {
  const admin = await signUp(app.url);
  await app.prisma.user.update({ where: { id: admin.user.id }, data: { role: "ADMIN" } });
  return admin;
}

const cursor = (milliseconds: number) => Buffer.from(`${milliseconds}:${crypto.randomUUID()}`).toString("base64url");

describe("text that cannot be stored, in every String and ID of every operation", () => {
  let app: RunningApp;
  let schema: GraphQLSchema;
  const logs = captureLogs("warn");
  let firstLine = 0;

  beforeAll(async () => {
    app = await startTestServer({}, undefined, logs.logger);
    schema = await servedSchema(app.url);
  });
  beforeEach(() => {
    firstLine = logs.lines().length;
  });
  afterEach(() => {
    expect(errorLines(logs, firstLine)).toEqual([]);
  });
  afterAll(() => app?.stop());

  test("the walk finds the text of every argument, and arguments use no scalar it does not know", () => {
    const scalars = new Set<string>();
    const positions = textPositions(schema, scalars).map(describePosition);
    expect(positions).toEqual(
      expect.arrayContaining([
        "mutation signup(input.email)",
        "mutation signup(input.name)",
        "mutation createPost(input.title)",
        "mutation updatePost(input.body)",
        "mutation updatePost(id)",
        "query users(search)",
        "query feed(after)",
        "mutation verifyEmail(token)",
      ]),
    );
    expect([...scalars].filter((name) => ![...TEXT_SCALARS, ...OTHER_INPUT_SCALARS].includes(name))).toEqual([]);
    // Only root fields take arguments; a field elsewhere with arguments would need its own walk here.
    const roots = [schema.getQueryType(), schema.getMutationType()];
    const otherFieldsWithArguments = Object.values(schema.getTypeMap())
      .filter((type): type is GraphQLObjectType => isObjectType(type) && !type.name.startsWith("__") && !roots.includes(type))
      .flatMap((type) => Object.values(type.getFields()))
      .filter((field) => field.args.length > 0)
      .map((field) => field.name);
    expect(otherFieldsWithArguments).toEqual([]);
  });

  test.each(["anonymous", "admin"])(
    "NUL and lone surrogates are BAD_USER_INPUT naming the field, never an internal error (%s caller)",
    async (caller) => {
      const token = caller === "admin" ? (await newAdmin(app)).accessToken : undefined;
      const wrong: string[] = [];
      for (const position of textPositions(schema)) {
        for (const [what, text] of Object.entries(UNSTORABLE)) {
          const response = await graphql(app.url, operationFor(position.kind, position.field), variablesFor(position, text), { token });
          const expected = { code: "BAD_USER_INPUT", reason: "INVALID", field: position.path.at(-1) };
          const got = response.errors?.[0]?.extensions;
          if (!isDeepStrictEqual(got, expected) || response.status !== 200) {
            wrong.push(`${describePosition(position)} with ${what}: ${response.status} ${response.text.slice(0, 300)}`);
          }
        }
      }
      expect(wrong).toEqual([]);
    },
  );

  test.each([
    ["feed", "query ($after: String) { feed(after: $after) { pageInfo { hasNextPage } } }"],
    ["myPosts", "query ($after: String) { myPosts(after: $after) { pageInfo { hasNextPage } } }"],
    ["mySessions", "query ($after: String) { mySessions(after: $after) { pageInfo { hasNextPage } } }"],
    ["users", "query ($after: String) { users(after: $after) { pageInfo { hasNextPage } } }"],
  ])("%s: a cursor past year 9999 is BAD_USER_INPUT on after; the last millisecond of 9999 and 1970 still page", async (_name, query) => {
    const { accessToken } = await newAdmin(app);
    for (const past9999 of [Date.UTC(10000, 0, 1), 999_999_999_999_999]) {
      const response = await graphql(app.url, query, { after: cursor(past9999) }, { token: accessToken });
      expect(response.errors?.[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", reason: "INVALID", field: "after" });
    }
    for (const representable of [Date.UTC(9999, 11, 31, 23, 59, 59, 999), 0]) {
      const response = await graphql(app.url, query, { after: cursor(representable) }, { token: accessToken });
      expect(response.errors).toBeUndefined();
    }
  });
});

// Random values of each argument's declared type, to every operation, as an admin: whatever a
// client sends that fits the schema, the answer is a result or a typed error, never an internal one.
const SEED = 20261207;
const CALLS_PER_OPERATION = 30;

const ODD_PIECES = [
  "\u0000",
  "\ud800",
  "\udfff",
  "\u202e",
  "\u200b",
  "\ufeff",
  "😀",
  "é",
  "%",
  "_",
  "\\",
  "'",
  '"',
  ",",
  "<",
  ">",
  "@",
  "\n",
  " ",
];

/** Ids and secrets the fuzzer may hit on purpose, so that some calls reach past the "not found" answers. */
interface Known {
  ids: string[];
  password: string;
}

function randomText(random: Random, known: Known): string {
  const word = () =>
    Array.from({ length: random.int(12) }, () =>
      random.next() < 0.3 ? random.pick(ODD_PIECES) : String.fromCharCode(97 + random.int(26)),
    ).join("");
  const digits = () => String(random.int(10 ** (1 + random.int(15))));
  return random.pick<() => string>([
    word,
    () => random.pick(known.ids),
    () => crypto.randomUUID(),
    () => `${crypto.randomUUID()}${random.pick(ODD_PIECES)}`,
    () => Buffer.from(`${digits()}:${random.pick([crypto.randomUUID(), ...known.ids, word()])}`).toString("base64url"),
    () => crypto.randomBytes(32).toString("base64url"),
    () => `${word()}@${word()}.example`,
    () => `${word()}-${crypto.randomUUID()}@example.com`,
    () => known.password,
    () => "",
    () => "x".repeat(random.int(20_000)),
  ])();
}

function randomValue(random: Random, type: GraphQLInputType, known: Known): unknown {
  if (!isNonNullType(type) && random.next() < 0.15) return null;
  const nullable = getNullableType(type);
  if (isListType(nullable)) return Array.from({ length: random.int(4) }, () => randomValue(random, nullable.ofType, known));
  if (isEnumType(nullable)) return random.pick(nullable.getValues()).value;
  if (isInputObjectType(nullable)) {
    const fields = Object.values(nullable.getFields()).filter((inputField) => isRequired(inputField) || random.next() < 0.7);
    return Object.fromEntries(fields.map((inputField) => [inputField.name, randomValue(random, inputField.type, known)]));
  }
  switch (nullable.name) {
    case "Int":
      return random.pick([0, 1, -1, 20, 100, 101, 2 ** 31 - 1, -(2 ** 31), random.int(1000)]);
    case "Float":
      return random.pick([0, -1.5, 1e308, Number.MIN_VALUE]);
    case "Boolean":
      return random.next() < 0.5;
    default:
      return randomText(random, known);
  }
}

function randomVariables(random: Random, args: readonly GraphQLArgument[], known: Known): Record<string, unknown> {
  const variables: Record<string, unknown> = {};
  for (const arg of args) if (isRequired(arg) || random.next() < 0.7) variables[arg.name] = randomValue(random, arg.type, known);
  return variables;
}

describe("fuzzing every argument of every operation with values of its declared type", () => {
  test(
    "no internal error, nothing logged as an error",
    async () => {
      const logs = captureLogs("warn");
      const app = await startTestServer({}, undefined, logs.logger);
      try {
        const schema = await servedSchema(app.url);
        const random = randomSource(SEED);
        let admin = await newAdmin(app);
        const wrong: string[] = [];
        for (const { kind, field } of rootFields(schema)) {
          const query = operationFor(kind, field);
          for (let call = 0; call < CALLS_PER_OPERATION; call++) {
            // A call may have ended the admin's session (logout, a new password, deleteAccount): then a fresh admin goes on.
            if ((await graphql(app.url, ME, {}, { token: admin.accessToken })).errors) admin = await newAdmin(app);
            const post = await app.prisma.post.create({ data: { authorId: admin.user.id, title: "Fuzzed", body: "Body" } });
            const session = await app.prisma.session.findFirstOrThrow({ where: { userId: admin.user.id, revokedAt: null } });
            const known = { ids: [admin.user.id, post.id, session.id], password: PASSWORD };
            const variables = randomVariables(random, field.args, known);
            const response = await graphql(app.url, query, variables, { token: admin.accessToken });
            if (response.status >= 500 || response.text.includes("INTERNAL_SERVER_ERROR")) {
              wrong.push(`${field.name} ${JSON.stringify(variables).slice(0, 300)} -> ${response.status} ${response.text.slice(0, 300)}`);
            }
          }
        }
        expect(wrong).toEqual([]);
        expect(errorLines(logs)).toEqual([]);
      } finally {
        await app.stop();
      }
    },
    LONG_TEST_TIMEOUT_MS,
  );
});
