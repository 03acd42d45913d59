import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { unwrapResolverError } from "@apollo/server/errors";
import { AppError, ErrorCode } from "../errors";
import { isDatabaseUnavailable } from "../db/databaseOutage";

/** Codes of errors that Apollo itself raises about the request; their messages are safe to show. */
const REQUEST_ERROR_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "BAD_REQUEST",
  "OPERATION_RESOLUTION_FAILURE",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
]);

export interface ErrorFormattingOptions {
  /** True when introspection is off: messages then never suggest names from the schema. */
  hideSchemaDetails: boolean;
}

/**
 * The one place where errors become what a client sees. Our own errors keep their code and
 * details; Apollo's request errors pass; everything else is an internal error whose message,
 * stack, SQL or Prisma text never leaves the server (it is logged there with the request id).
 */
export function errorFormatter(
  options: ErrorFormattingOptions,
): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  return (formatted, error) => {
    const answer = clientError(formatted, error);
    return options.hideSchemaDetails ? { ...answer, message: withoutSuggestions(answer.message) } : answer;
  };
}

function clientError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const where = { locations: formatted.locations, path: formatted.path };
  if (original instanceof AppError) {
    return { message: original.message, ...where, extensions: { code: original.code, ...original.details } };
  }
  const code = formatted.extensions?.code;
  if (typeof code === "string" && REQUEST_ERROR_CODES.has(code)) {
    return { message: formatted.message, ...where, extensions: { code } };
  }
  // graphql-js's own refusals at execution time (e.g. a subscription, which this schema lacks) are
  // about the request, not a failure of ours: no resolver ran, so there is no originalError.
  if (original instanceof GraphQLError && original.originalError === undefined && !formatted.path) {
    return { message: formatted.message, ...where, extensions: { code: ErrorCode.BAD_REQUEST } };
  }
  if (isDatabaseUnavailable(original)) {
    return {
      message: "The service is temporarily unavailable. Try again shortly.",
      ...where,
      extensions: { code: ErrorCode.SERVICE_UNAVAILABLE },
    };
  }
  return { message: "Internal server error.", ...where, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
}

/**
 * graphql-js ends a message with " Did you mean X or Y?" when a name is close to one in the
 * schema: fields and types while validating the document, but also enum values and input fields
 * while coercing variables ('Value "COOKY" does not exist in "RefreshTokenDelivery" enum. Did you
 * mean the enum value "COOKIE"?'), which Apollo's hideSchemaDetailsFromClientErrors does not
 * reach. Cut here, every message is covered.
 */
function withoutSuggestions(message: string): string {
  return message.replace(/ ?Did you mean .*\?$/s, "");
}

const MASKED_CODES = new Set<unknown>([ErrorCode.INTERNAL_SERVER_ERROR, ErrorCode.SERVICE_UNAVAILABLE]);

/** Masked errors get `extensions.requestId`: the id of the server log entry with the details. */
export function withRequestIdOnMaskedErrors(
  errors: readonly GraphQLFormattedError[] | undefined,
  requestId: string,
): readonly GraphQLFormattedError[] | undefined {
  return errors?.map((error) =>
    MASKED_CODES.has(error.extensions?.code) ? { ...error, extensions: { ...error.extensions, requestId } } : error,
  );
}
