import { costLimitRule } from "@escape.tech/graphql-armor-cost-limit";
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives";
import type { ParseOptions, ValidationContext, GraphQLError, ValidationRule } from "graphql";
import type { OperationLimits } from "../config";

/**
 * graphql-armor's rules throw out of `validate()` by default, which Apollo would answer with a 500.
 * Reported to the validation context instead, a refusal is an ordinary GRAPHQL_VALIDATION_FAILED (400).
 */
const reportAsValidationError = {
  propagateOnRejection: false,
  onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
};

/** Refuses operations too deep, with too many aliases or directives, or too costly, before any resolver runs. */
export function operationLimitRules(limits: OperationLimits): ValidationRule[] {
  return [
    maxDepthRule({ n: limits.maxDepth, exposeLimits: true, ...reportAsValidationError }),
    maxAliasesRule({ n: limits.maxAliases, exposeLimits: true, ...reportAsValidationError }),
    maxDirectivesRule({ n: limits.maxDirectives, exposeLimits: true, ...reportAsValidationError }),
    costLimitRule({ maxCost: limits.maxCost, exposeLimits: true, ...reportAsValidationError }),
  ];
}

/** graphql-js stops parsing after this many tokens: a huge document costs no more than a small one. */
export function parseLimits(limits: OperationLimits): ParseOptions {
  return { maxLexicalTokens: limits.maxTokens };
}
