import type { ApolloServerPlugin } from "@apollo/server";
import type { GraphQLContext } from "./context";
import { withRequestIdOnMaskedErrors } from "./errorFormatting";

/** A masked error names its request, so a user's report leads to the full error in the server log. */
export function maskedErrorIdPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== "single") return;
          const { singleResult } = response.body;
          singleResult.errors = withRequestIdOnMaskedErrors(singleResult.errors, contextValue.requestId);
        },
      };
    },
  };
}
