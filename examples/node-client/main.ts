// `npm run example -- [--url URL] [--email E] [--password P] [--name N] [--totp-secret S]`: tells
// the story of the product against a running API (by default the one `npm start` serves) and
// exits 0 when every answer was the one the story expects. An account with two-step sign-in
// needs `--totp-secret`, the base32 secret of its authenticator app: the example computes the
// app's code from it.
// `npm run example -- --reset EMAIL --new-password P`: "Forgot password?" instead: asks for a reset
// link, reads the link from the mail as the user pastes it, sets the new password and shows `me`.
// `--link LINK` in place of `--reset EMAIL` uses a link asked for earlier (a new request would void it).
import readline from "node:readline";
import { parseArgs } from "node:util";
import { GraphQLRequestError } from "../client/graphqlRequest";
import { resetThePassword } from "./passwordReset";
import { describeError, walkTheStory } from "./story";

const { values } = parseArgs({
  options: {
    url: { type: "string", default: "http://localhost:4000/graphql" },
    email: { type: "string", default: "ada@example.com" },
    password: { type: "string", default: "correct horse battery" },
    name: { type: "string", default: "Ada" },
    "totp-secret": { type: "string" },
    reset: { type: "string" },
    link: { type: "string" },
    "new-password": { type: "string" },
  },
});

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
  if (values.reset === undefined && values.link === undefined) {
    const account = { email: values.email, password: values.password, name: values.name, totpSecret: values["totp-secret"] };
    await walkTheStory(values.url, account, print);
    return "The story went as expected.";
  }
  const newPassword = values["new-password"];
  if (newPassword === undefined) throw new Error("--reset and --link need the password to set: --new-password '...'.");
  if (values.reset !== undefined && values.link !== undefined)
    throw new Error("--reset asks for a new link, which voids --link: pass one.");
  await resetThePassword(values.url, { email: values.reset, link: values.link, newPassword, readLink: firstLineOfInput }, print);
  return "The password is reset; log in with the new one from now on.";
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
