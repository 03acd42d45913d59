import { makeExecutableSchema } from "@graphql-tools/schema";
import type { IResolvers } from "@graphql-tools/utils";
import { execute, parse, subscribe } from "graphql";
import { AssurancePolicy } from "../../src/auth/sessions/assurance";
import type { Caller } from "../../src/auth/types";
import { AuthFailure, AuthenticationError, type AppError } from "../../src/errors";
import type { User } from "../../src/generated/prisma/client";
import { AccessRuleError, withAccessRules, type Owners } from "../../src/graphql/authorization/accessRules";
import type { GraphQLContext } from "../../src/graphql/context";
import { buildApiSchema } from "../../src/graphql/schema";

// The directives exactly as schema.graphql declares them, so these small schemas follow the same rules.
const DIRECTIVES = /* GraphQL */ `
  enum AccessRule {
    USER
    FIRST_FACTOR
    ADMIN
    OWNER_OR_ADMIN
  }
  directive @auth(requires: AccessRule = USER) on FIELD_DEFINITION | OBJECT
  directive @public on FIELD_DEFINITION
  directive @recentSecondFactor on FIELD_DEFINITION
`;

const NOTE_OWNERS: Owners = { Note: (note: { ownerId: string }) => note.ownerId };

function build(sdl: string, resolvers: IResolvers = {}, owners: Owners = NOTE_OWNERS) {
  return withAccessRules(makeExecutableSchema({ typeDefs: DIRECTIVES + sdl, resolvers }), owners);
}

function startupError(sdl: string, owners?: Owners): string {
  try {
    build(sdl, {}, owners);
  } catch (error) {
    expect(error).toBeInstanceOf(AccessRuleError);
    return (error as Error).message;
  }
  throw new Error("the schema was accepted");
}

describe("access rules at start-up (default deny)", () => {
  test("the real schema.graphql has a rule on every Query, Mutation and Subscription field", () => {
    expect(() => buildApiSchema()).not.toThrow();
  });

  test("a Query or Mutation field without a rule stops start-up, and the message names each one", () => {
    const message = startupError(`
      type Query { open: String @public, secret: String }
      type Mutation { ok: Boolean @auth, wipe: Boolean }
    `);
    expect(message).toContain("Query.secret has no access rule");
    expect(message).toContain("Mutation.wipe has no access rule");
    expect(message).not.toContain("Query.open");
    expect(message).not.toContain("Mutation.ok");
  });

  test("so does a Subscription field without a rule", () => {
    const message = startupError(`
      type Query { open: String @public }
      type Subscription { ticks: Int @auth, leaks: Int }
    `);
    expect(message).toContain("Subscription.leaks has no access rule");
    expect(message).not.toContain("Subscription.ticks");
  });

  test("contradictory or unusable rules stop start-up too", () => {
    expect(startupError(`type Query { both: String @public @auth }`)).toContain("Query.both has both @public and @auth");
    expect(startupError(`type Query { open: String @public @recentSecondFactor }`)).toContain(
      "Query.open has @recentSecondFactor, which needs a signed-in caller",
    );
    expect(startupError(`type Query { mine: String @auth(requires: OWNER_OR_ADMIN) }`)).toContain(
      "Query.mine: OWNER_OR_ADMIN needs an object to own",
    );
    expect(startupError(`type Query { thing: Thing @auth } type Thing { secret: String @auth(requires: OWNER_OR_ADMIN) }`)).toContain(
      "Thing.secret: OWNER_OR_ADMIN, but nothing says who owns a Thing",
    );
  });

  test("a schema without the directives' declarations is refused", () => {
    expect(() => withAccessRules(makeExecutableSchema({ typeDefs: "type Query { a: String }" }), {})).toThrow(
      "The schema does not declare the @auth directive.",
    );
  });
});

describe("access rules at run time", () => {
  const user = (id: string, role: "USER" | "ADMIN"): User => ({
    id,
    email: `${id}@example.com`,
    name: id,
    passwordHash: "unused",
    role,
    tokenVersion: 0,
    disabledAt: null,
    emailVerifiedAt: null,
    createdAt: new Date(0),
    updatedAt: new Date(0),
  });
  const ada = user("ada", "USER");
  const grace = user("grace", "ADMIN");

  const NOW = Date.UTC(2026, 11, 5);
  const MINUTE = 60_000;

  /** What the session has proven, and the policy's configuration; by default a password, no second factor, admins unconstrained. */
  interface SessionFacts {
    provenUserIds?: string[];
    level?: 1 | 2;
    hasSecondFactor?: boolean;
    verifiedMinutesAgo?: number;
    requireAdminSecondFactor?: boolean;
  }

  /** Only what the rules read from a context: the caller (or the refusal of the request's token) and the assurance policy. */
  function contextOf(caller: User | undefined, facts: SessionFacts = {}): GraphQLContext {
    const { provenUserIds = [], level = 1, hasSecondFactor = false, verifiedMinutesAgo = 0, requireAdminSecondFactor = false } = facts;
    const found = async (): Promise<Caller> => {
      if (!caller) throw new AuthenticationError(AuthFailure.NOT_AUTHENTICATED);
      const assurance = { level, amr: level === 2 ? ["pwd", "otp"] : ["pwd"], authTime: new Date(NOW - verifiedMinutesAgo * MINUTE) };
      return { user: caller, sessionId: "session", assurance, hasSecondFactor };
    };
    const assurance = new AssurancePolicy({ recentSecondFactorMaxAgeSeconds: 600, requireAdminSecondFactor, now: () => NOW });
    return {
      caller: found,
      knownCaller: () => undefined,
      provenUserIds: new Set(provenUserIds),
      services: { assurance },
    } as unknown as GraphQLContext;
  }

  const schema = build(
    `
      type Query {
        notes: [Note!]! @auth
        hello: String @public
        "As a login's payload is: public, and about one user."
        noteOfLogin: Note @public
        stats: Stats @auth
        "As verifySecondFactor and logout are: for a level-1 session too."
        secondStep: String @auth(requires: FIRST_FACTOR)
        "As changePassword is: step-up."
        sensitive: String @auth @recentSecondFactor
      }
      type Note {
        title: String
        ownerNotes: String @auth(requires: OWNER_OR_ADMIN)
      }
      "Everything about it is for admins, except what says otherwise."
      type Stats @auth(requires: ADMIN) {
        count: Int
        motto: String @public
      }
    `,
    {
      Query: {
        notes: () => [{ ownerId: "ada", title: "Ada's", ownerNotes: "a" }],
        hello: () => "hi",
        noteOfLogin: () => ({ ownerId: "ada", title: "Ada's", ownerNotes: "a" }),
        stats: () => ({ count: 1, motto: "m" }),
        secondStep: () => "verified",
        sensitive: () => "changed",
      },
    },
  );

  const subscriptionSchema = build(
    `
      type Query { hello: String @public }
      type Subscription {
        ticks: Int @auth
        publicTicks: Int @public
      }
    `,
    {
      Subscription: {
        ticks: { subscribe: () => ticks(), resolve: (tick: number) => tick },
        publicTicks: { subscribe: () => ticks(), resolve: (tick: number) => tick },
      },
    },
  );

  async function* ticks() {
    yield 1;
    yield 2;
  }

  /** The first result of subscribing: the refusal, or the first event. */
  async function subscribeOnce(query: string, context: GraphQLContext) {
    const result = await subscribe({ schema: subscriptionSchema, document: parse(query), contextValue: context });
    if (!(Symbol.asyncIterator in result)) {
      return { refusals: result.errors?.map((error) => (error.originalError as AppError).details.reason) };
    }
    const first = await result.next();
    await result.return?.();
    return { data: (first.value as { data: unknown }).data };
  }

  test("a Subscription field's rule is checked when a client subscribes, before its stream exists", async () => {
    expect(await subscribeOnce("subscription { ticks }", contextOf(undefined))).toEqual({ refusals: ["NOT_AUTHENTICATED"] });
    expect(await subscribeOnce("subscription { ticks }", contextOf(ada))).toEqual({ data: { ticks: 1 } });
    expect(await subscribeOnce("subscription { publicTicks }", contextOf(undefined))).toEqual({ data: { publicTicks: 1 } });
  });

  async function run(query: string, context: GraphQLContext) {
    const result = await execute({ schema, document: parse(query), contextValue: context });
    const refusals = result.errors?.map((error) => `${error.path?.join(".")}: ${(error.originalError as AppError).details.reason}`);
    return { data: result.data, refusals };
  }

  test("@public needs nothing; @auth needs a token", async () => {
    expect(await run("{ hello }", contextOf(undefined))).toEqual({ data: { hello: "hi" }, refusals: undefined });
    const anonymous = await run("{ notes { title } }", contextOf(undefined));
    expect(anonymous.data).toBeNull();
    expect(anonymous.refusals).toEqual(["notes: NOT_AUTHENTICATED"]);
  });

  test("OWNER_OR_ADMIN: the owner and admins see the field, others get null and NOT_OWNER", async () => {
    expect((await run("{ notes { ownerNotes } }", contextOf(ada))).data).toEqual({ notes: [{ ownerNotes: "a" }] });
    expect((await run("{ notes { ownerNotes } }", contextOf(grace))).data).toEqual({ notes: [{ ownerNotes: "a" }] });
    const stranger = await run("{ notes { title ownerNotes } }", contextOf(user("eve", "USER")));
    expect(stranger.data).toEqual({ notes: [{ title: "Ada's", ownerNotes: null }] });
    expect(stranger.refusals).toEqual(["notes.0.ownerNotes: NOT_OWNER"]);
    // A request that has just proven to be the owner (a login's payload) needs no token; others do.
    expect(await run("{ noteOfLogin { ownerNotes } }", contextOf(undefined, { provenUserIds: ["ada"] }))).toEqual({
      data: { noteOfLogin: { ownerNotes: "a" } },
      refusals: undefined,
    });
    expect((await run("{ noteOfLogin { ownerNotes } }", contextOf(undefined, { provenUserIds: ["eve"] }))).refusals).toEqual([
      "noteOfLogin.ownerNotes: NOT_AUTHENTICATED",
    ]);
  });

  test("@auth on a type covers every field of it that has no rule of its own", async () => {
    const asUser = await run("{ stats { count motto } }", contextOf(ada));
    expect(asUser.data).toEqual({ stats: { count: null, motto: "m" } });
    expect(asUser.refusals).toEqual(["stats.count: ADMIN_ONLY"]);
    expect((await run("{ stats { count motto } }", contextOf(grace))).data).toEqual({ stats: { count: 1, motto: "m" } });
  });

  test("a level-1 session of an account with a second factor reaches only FIRST_FACTOR fields; every other rule says SECOND_FACTOR_REQUIRED", async () => {
    const awaiting = { level: 1 as const, hasSecondFactor: true };
    const everything = "{ stats { count motto } secondStep hello }";
    const asAda = await run(everything, contextOf(ada, awaiting));
    expect(asAda.data).toEqual({ stats: null, secondStep: "verified", hello: "hi" });
    expect(asAda.refusals).toEqual(["stats: SECOND_FACTOR_REQUIRED"]);
    expect((await run("{ notes { title } }", contextOf(ada, awaiting))).refusals).toEqual(["notes: SECOND_FACTOR_REQUIRED"]);
    // An admin's level-1 session is no admin yet either; a public field stays public.
    expect((await run("{ noteOfLogin { ownerNotes } }", contextOf(grace, awaiting))).refusals).toEqual([
      "noteOfLogin.ownerNotes: SECOND_FACTOR_REQUIRED",
    ]);
    // Level 2, or an account without a factor: the rules as they are.
    expect((await run(everything, contextOf(ada, { level: 2, hasSecondFactor: true }))).refusals).toEqual(["stats.count: ADMIN_ONLY"]);
    expect((await run(everything, contextOf(ada))).refusals).toEqual(["stats.count: ADMIN_ONLY"]);
  });

  test("@recentSecondFactor: an account with a factor needs it verified within the configured time; one without passes", async () => {
    const refusals = async (facts: SessionFacts) => (await run("{ sensitive }", contextOf(ada, facts))).refusals;
    expect(await refusals({ level: 2, hasSecondFactor: true, verifiedMinutesAgo: 9 })).toBeUndefined();
    expect(await refusals({ level: 2, hasSecondFactor: true, verifiedMinutesAgo: 11 })).toEqual([
      "sensitive: RECENT_SECOND_FACTOR_REQUIRED",
    ]);
    expect(await refusals({ level: 1, hasSecondFactor: true })).toEqual(["sensitive: SECOND_FACTOR_REQUIRED"]);
    expect(await refusals({ level: 1, hasSecondFactor: false, verifiedMinutesAgo: 60 })).toBeUndefined();
  });

  test("REQUIRE_ADMIN_SECOND_FACTOR: admin rules refuse an admin whose session has not verified a second factor", async () => {
    const strict = { requireAdminSecondFactor: true };
    expect((await run("{ stats { count } }", contextOf(grace, strict))).refusals).toEqual(["stats.count: SECOND_FACTOR_REQUIRED"]);
    expect((await run("{ notes { ownerNotes } }", contextOf(grace, strict))).refusals).toEqual([
      "notes.0.ownerNotes: SECOND_FACTOR_REQUIRED",
    ]);
    expect((await run("{ stats { count } }", contextOf(grace, { ...strict, level: 2, hasSecondFactor: true }))).data).toEqual({
      stats: { count: 1 },
    });
    // The owner needs no admin powers for their own note.
    expect((await run("{ notes { ownerNotes } }", contextOf(ada, strict))).refusals).toBeUndefined();
  });
});
