import type { ApolloServerPlugin } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import { AppError } from "../errors";
import type { GraphQLContext } from "./context";

/** Adds the operation's name (or its type, when anonymous) and its error codes to the request's log line. */
export function requestLogPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operationName, operation, contextValue }) {
          contextValue.log.operation = operationName ?? operation?.operation;
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
