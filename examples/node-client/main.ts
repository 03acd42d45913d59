// `npm run example`: the product's story told against a running API; `npm run example -- --help`
// says what else it does. Exits 0 when every answer was the one the story expects.
import path from "node:path";
import readline from "node:readline";
import { parseArgs } from "node:util";
import { GraphQLRequestError } from "../client/graphqlRequest";
import { resetThePassword } from "./passwordReset";
import { describeError, walkTheStory } from "./story";
import { watchMySessions } from "./watchSessions";

const DEFAULT_URL = "http://localhost:4000/graphql";

const USAGE = `Usage:
  npm run example -- [--url URL] [--email EMAIL] [--password PASSWORD] [--name NAME] [--totp-secret SECRET]
      The story: refused without a token, sign up (or log in when the account exists), me, a post,
      a refreshed token, log out, refused again.
  npm run example -- --watch [--url URL] [--email EMAIL] [--password PASSWORD]
      Sessions, live: signs in, subscribes to the account's session events over the WebSocket and
      prints each one (a sign-in elsewhere, a session ending) until this session ends or Ctrl-C.
      When the access token expires, it refreshes it and subscribes again.
  npm run example -- --reset EMAIL --new-password PASSWORD
      "Forgot password?": asks for a reset link, reads the link from the mail as you paste it, sets
      the new password and shows me.
  npm run example -- --link LINK --new-password PASSWORD
      The same with a link asked for earlier (a new request would void it).

Options:
  --url URL             the API's GraphQL endpoint (default ${DEFAULT_URL})
  --email, --password, --name
                        the account of the story (default ada@example.com, "correct horse battery", Ada)
  --totp-secret SECRET  for an account with two-step sign-in: the base32 secret of its
                        authenticator app, from which the example computes the login's code
  -h, --help            this text`;

let values: ReturnType<typeof readArguments>;
try {
  values = readArguments();
} catch (error) {
  // An unknown or incomplete option: say which, and how it is used, not a stack.
  console.error(`${(error as Error).message}\n\n${USAGE}`);
  process.exit(1);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

function readArguments() {
  return parseArgs({
    options: {
      url: { type: "string", default: DEFAULT_URL },
      email: { type: "string", default: "ada@example.com" },
      password: { type: "string", default: "correct horse battery" },
      name: { type: "string", default: "Ada" },
      "totp-secret": { type: "string" },
      reset: { type: "string" },
      link: { type: "string" },
      "new-password": { type: "string" },
      watch: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  }).values;
}

console.log(`GraphQL API: ${values.url}\n`);
chosenStory().then(
  (done) => console.log(`\n${done}`),
  (error: unknown) => {
    console.error(`\nThe story stopped: ${explain(error)}`);
    process.exitCode = 1;
  },
);

/** Tells the story the arguments ask for; resolves to its last line. */
async function chosenStory(): Promise<string> {
  const print = (line: string) => console.log(line);
  const account = { email: values.email, password: values.password, name: values.name, totpSecret: values["totp-secret"] };
  if (values.watch) return watchMySessions(values.url, account, print, interrupted());
  if (values.reset === undefined && values.link === undefined) {
    await walkTheStory(values.url, account, print);
    return "The story went as expected.";
  }
  const newPassword = values["new-password"];
  if (newPassword === undefined) throw new Error("--reset and --link need the password to set: --new-password '...'.");
  if (values.reset !== undefined && values.link !== undefined)
    throw new Error("--reset asks for a new link, which voids --link: pass one.");
  const reset = { email: values.reset, link: values.link, newPassword, readLink: firstLineOfInput, mailFolder: apiMailFolder() };
  await resetThePassword(values.url, reset, print);
  return "The password is reset; log in with the new one from now on.";
}

/** Aborts on Ctrl-C (SIGINT) or SIGTERM: the watch stops and says so, instead of dying mid-line. */
function interrupted(): AbortSignal {
  const controller = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => controller.abort());
  return controller.signal;
}

/**
 * Where an API started from this shell writes mail when SMTP_URL is unset: DATA_DIR/mail/, with
 * DATA_DIR read as the API reads it (.data when unset).
 */
function apiMailFolder(): string {
  return path.join(process.env.DATA_DIR?.trim() || ".data", "mail") + path.sep;
}

/** The first line typed or piped in. */
async function firstLineOfInput(): Promise<string> {
  const input = readline.createInterface({ input: process.stdin });
  try {
    for await (const line of input as AsyncIterable<string>) return line;
    return "";
  } finally {
    input.close();
  }
}

/** What went wrong, in one line a newcomer can act on. */
function explain(error: unknown): string {
  if (error instanceof GraphQLRequestError) return describeError(error);
  if (!(error instanceof Error)) return String(error);
  // fetch() hides the network failure (such as ECONNREFUSED) in `cause`.
  if (error.cause instanceof Error) return `${error.message} (${error.cause.message}): is the API running at ${values.url}?`;
  return error.message;
}
