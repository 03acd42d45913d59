import fs from "node:fs";
import path from "node:path";
import { makeExecutableSchema } from "@graphql-tools/schema";
import type { GraphQLSchema } from "graphql";
import { PROJECT_ROOT } from "../projectRoot";
import { withAccessRules } from "./authorization/accessRules";
import { owners } from "./authorization/owners";
import { withTextChecks } from "./inputs/textChecks";
import { resolvers } from "./resolvers";

const SCHEMA_FILE = path.join(PROJECT_ROOT, "schema.graphql");

/**
 * schema.graphql with its resolvers, its access rules and its text checks in force; throws at
 * start-up when a rule is missing. The text checks wrap the access rules, so they run first.
 */
export function buildApiSchema(): GraphQLSchema {
  return withTextChecks(withAccessRules(makeExecutableSchema({ typeDefs: fs.readFileSync(SCHEMA_FILE, "utf8"), resolvers }), owners));
}
