// `npm run example -- [--url URL] [--email E] [--password P] [--name N]`: tells the story of the
// product against a running API (by default the one `npm start` serves) and exits 0 when every
// answer was the one the story expects.
import { parseArgs } from "node:util";
import { GraphQLRequestError } from "../client/graphqlRequest";
import { describeError, walkTheStory } from "./story";

const { values } = parseArgs({
  options: {
    url: { type: "string", default: "http://localhost:4000/graphql" },
    email: { type: "string", default: "ada@example.com" },
    password: { type: "string", default: "correct horse battery" },
    name: { type: "string", default: "Ada" },
  },
});

console.log(`GraphQL API: ${values.url}\n`);
walkTheStory(values.url, { email: values.email, password: values.password, name: values.name }, (line) => console.log(line)).then(
  () => console.log("\nThe story went as expected."),
  (error: unknown) => {
    console.error(`\nThe story stopped: ${explain(error)}`);
    process.exitCode = 1;
  },
);

/** What went wrong, in one line a newcomer can act on. */
function explain(error: unknown): string {
  if (error instanceof GraphQLRequestError) return describeError(error);
  if (!(error instanceof Error)) return String(error);
  // fetch() hides the network failure (such as ECONNREFUSED) in `cause`.
  if (error.cause instanceof Error) return `${error.message} (${error.cause.message}): is the API running at ${values.url}?`;
  return error.message;
}
