import { costLimitRule } from "@escape.tech/graphql-armor-cost-limit";
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives";
import {
  Kind,
  TypeInfo,
  ValidationContext,
  visit,
  visitWithTypeInfo,
  type ArgumentNode,
  type DocumentNode,
  type GraphQLArgument,
  type GraphQLError,
  type GraphQLSchema,
  type ParseOptions,
  type ValidationRule,
} from "graphql";
import type { OperationLimits } from "../config";
import { MAX_PAGE_SIZE } from "../pagination/cursorPages";

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
    pageSizedCostRule(costLimitRule({ maxCost: limits.maxCost, exposeLimits: true, ...reportAsValidationError })),
  ];
}

/**
 * graphql-armor's cost rule multiplies the cost of a field with a `first` argument by it, but only
 * when `first` is a number written in the document: a variable, or a `first` left out for its
 * default, counts as 1, so aliased pages could fetch thousands of rows at the cost of a few. This
 * hands the rule the document with every `first` written out as the most rows it can fetch.
 */
function pageSizedCostRule(costRule: ValidationRule): ValidationRule {
  return (context) => ({
    Document(document) {
      const schema = context.getSchema();
      const sized = withPageSizesWritten(document, schema);
      visit(sized, costRule(new ValidationContext(schema, sized, new TypeInfo(schema), (error) => context.reportError(error))));
      return false;
    },
  });
}

function withPageSizesWritten(document: DocumentNode, schema: GraphQLSchema): DocumentNode {
  const typeInfo = new TypeInfo(schema);
  return visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(field) {
        const declared = typeInfo.getFieldDef()?.args.find((arg) => arg.name === "first");
        if (!declared) return undefined;
        const given = field.arguments?.find((arg) => arg.name.value === "first");
        const size = largestPage(given, declared);
        const first: ArgumentNode = {
          kind: Kind.ARGUMENT,
          name: { kind: Kind.NAME, value: "first" },
          value: { kind: Kind.INT, value: String(size) },
        };
        return { ...field, arguments: [...(field.arguments ?? []).filter((arg) => arg !== given), first] };
      },
    }),
  );
}

function largestPage(given: ArgumentNode | undefined, declared: GraphQLArgument): number {
  if (given === undefined) return typeof declared.defaultValue === "number" ? declared.defaultValue : MAX_PAGE_SIZE;
  // A larger number is refused by the resolver (BAD_USER_INPUT), so it never fetches more than the largest page.
  if (given.value.kind === Kind.INT) return Math.min(Number(given.value.value), MAX_PAGE_SIZE);
  return MAX_PAGE_SIZE; // a variable, unknown until execution, or null
}

/** graphql-js stops parsing after this many tokens: a huge document costs no more than a small one. */
export function parseLimits(limits: OperationLimits): ParseOptions {
  return { maxLexicalTokens: limits.maxTokens };
}
