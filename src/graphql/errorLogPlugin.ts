import type { ApolloServerPlugin } from "@apollo/server";
import type { GraphQLError } from "graphql";
import { unwrapResolverError } from "@apollo/server/errors";
import { AppError } from "../errors";
import type { Logger } from "../logger";
import type { GraphQLContext } from "./context";

/**
 * Errors that are not ours (bugs, database trouble) are logged in full, with the request id; the
 * client gets a masked one (./errorFormatting.ts). Our own AppErrors are answers, not failures.
 */
export function errorLogPlugin(logger: Logger): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          logResolverFailures(logger, errors, contextValue.requestId);
        },
      };
    },
  };
}

/** Logs the errors of one operation that are failures, not answers; HTTP (above) and the subscriptions' socket both use it. */
export function logResolverFailures(logger: Logger, errors: readonly GraphQLError[], requestId: string): void {
  for (const error of errors) {
    const original = unwrapResolverError(error);
    if (original instanceof AppError || !error.path) continue;
    logger.error({ requestId, err: original, path: error.path }, "resolver failed");
  }
}
