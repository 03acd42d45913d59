// The access rules' cost on `me`, measured in this process without HTTP or a database: the same
// `me` operation executed against schema.graphql with the rules in force (src/graphql/schema.ts)
// and without them, with a caller that is already known (as it is from the auth cache). The
// difference is what the rule layer adds to every `me`; `npm run bench` relates it to the
// server's time per `me` under load. Alone: `npm run bench:rules`.
import fs from "node:fs";
import path from "node:path";
import { makeExecutableSchema } from "@graphql-tools/schema";
import { execute, parse, type GraphQLSchema } from "graphql";
import { AssurancePolicy, passwordProven } from "../src/auth/sessions/assurance";
import type { Caller } from "../src/auth/types";
import type { User } from "../src/generated/prisma/client";
import type { GraphQLContext } from "../src/graphql/context";
import { resolvers } from "../src/graphql/resolvers";
import { buildApiSchema } from "../src/graphql/schema";
import { PROJECT_ROOT } from "../src/projectRoot";

const ME = parse("query Me { me { id email name role createdAt } }");
const ROUNDS = 10;
const PER_ROUND = 20_000;

export interface RuleLayerCost {
  /** Microseconds per `me` execution, median of the rounds. */
  withRulesUs: number;
  withoutRulesUs: number;
  /** What the rules add to each `me`. */
  addedUs: number;
}

export async function measureRuleLayer(): Promise<RuleLayerCost> {
  const guarded = buildApiSchema();
  const bare = makeExecutableSchema({ typeDefs: fs.readFileSync(path.join(PROJECT_ROOT, "schema.graphql"), "utf8"), resolvers });
  await timePerExecution(guarded); // warm up both before measuring
  await timePerExecution(bare);
  const withRules: number[] = [];
  const withoutRules: number[] = [];
  // Interleaved, so that whatever else the shared machine does falls on both alike.
  for (let round = 0; round < ROUNDS; round++) {
    withRules.push(await timePerExecution(guarded));
    withoutRules.push(await timePerExecution(bare));
  }
  const withRulesUs = median(withRules);
  const withoutRulesUs = median(withoutRules);
  return { withRulesUs: round2(withRulesUs), withoutRulesUs: round2(withoutRulesUs), addedUs: round2(withRulesUs - withoutRulesUs) };
}

async function timePerExecution(schema: GraphQLSchema): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < PER_ROUND; i++) {
    const result = await execute({ schema, document: ME, contextValue: signedInContext() });
    if (result.errors) throw new Error(`me failed: ${JSON.stringify(result.errors)}`);
  }
  return Number(process.hrtime.bigint() - start) / 1000 / PER_ROUND;
}

const USER: User = {
  id: "4b1c2f6e-0000-4000-8000-000000000001",
  email: "bench@example.com",
  name: "Bench",
  passwordHash: "unused",
  role: "USER",
  tokenVersion: 0,
  disabledAt: null,
  emailVerifiedAt: null,
  createdAt: new Date(0),
  updatedAt: new Date(0),
};

const POLICY = new AssurancePolicy({ recentSecondFactorMaxAgeSeconds: 600, requireAdminSecondFactor: false, now: Date.now });

/** What `me` and its rules read from a request's context, with the caller found once per request as the real one does. */
function signedInContext(): GraphQLContext {
  const found: Caller = { user: USER, sessionId: "session", assurance: passwordProven(Date.now()), hasSecondFactor: false };
  let caller: Promise<Caller> | undefined;
  let known: Caller | undefined;
  const loadCaller = () =>
    (caller ??= (async () => {
      known = found;
      return found;
    })());
  return {
    caller: loadCaller,
    knownCaller: () => known,
    provenUserIds: new Set<string>(),
    services: { assurance: POLICY },
  } as unknown as GraphQLContext;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

if (require.main === module) {
  measureRuleLayer().then(
    (cost) =>
      console.log(
        `me, executed in-process: ${cost.withRulesUs} µs with the rules, ${cost.withoutRulesUs} µs without; the rules add ${cost.addedUs} µs`,
      ),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
