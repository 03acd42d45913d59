import type { ApolloServerPlugin } from "@apollo/server";
import { OperationTypeNode } from "graphql";
import type { GraphQLContext } from "./context";

/**
 * Adds to the request's log line the operation's name (or its type, when anonymous), the error
 * codes the client was sent and, for a signup or login, whose account it was (when the answer
 * holds `user { id }`): the caller's id, when there is one, is added as the request
 * authenticates (context.ts). The codes are read from the formatted answer, so the log says
 * exactly what the client saw (src/graphql/errorFormatting.ts decides it, once).
 */
export function requestLogPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operationName, operation, contextValue }) {
          contextValue.log.operation = operationName ?? operation?.operation;
        },
        async willSendResponse({ operation, response, contextValue }) {
          if (response.body.kind !== "single") return;
          const { data, errors } = response.body.singleResult;
          if (errors?.length) {
            // errorFormatting.ts gives every error a string code.
            const codes = errors.map(({ extensions }) =>
              typeof extensions?.code === "string" ? extensions.code : "INTERNAL_SERVER_ERROR",
            );
            contextValue.log.errorCodes = [...new Set(codes)];
          }
          if (operation?.operation === OperationTypeNode.MUTATION && !contextValue.log.userId) contextValue.log.userId = userIdIn(data);
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
