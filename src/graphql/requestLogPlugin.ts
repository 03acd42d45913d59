import type { ApolloServerPlugin } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import { AppError } from "../errors";
import type { GraphQLContext } from "./context";

/**
 * Adds to the request's log line the operation's name (or its type, when anonymous), its error
 * codes and, for a signup or login, whose account it was (when the answer holds `user { id }`):
 * the caller's id, when there is one, is added as the request authenticates (context.ts).
 */
export function requestLogPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operationName, operation, contextValue }) {
          contextValue.log.operation = operationName ?? operation?.operation;
        },
        async willSendResponse({ operation, response, contextValue }) {
          if (operation?.operation !== "mutation" || contextValue.log.userId || response.body.kind !== "single") return;
          contextValue.log.userId = userIdIn(response.body.singleResult.data);
        },
        async didEncounterErrors({ errors, contextValue }) {
          const codes = errors.map((error) => {
            const original = unwrapResolverError(error);
            if (original instanceof AppError) return original.code;
            return typeof error.extensions?.code === "string" ? error.extensions.code : "INTERNAL_SERVER_ERROR";
          });
          contextValue.log.errorCodes = [...new Set(codes)];
        },
      };
    },
  };
}

/** The `user.id` of the first top-level result that has one (AuthPayload does). */
function userIdIn(data: Record<string, unknown> | null | undefined): string | undefined {
  for (const result of Object.values(data ?? {})) {
    const id = (result as { user?: { id?: unknown } } | null)?.user?.id;
    if (typeof id === "string") return id;
  }
  return undefined;
}
