import { GraphQLError, OperationTypeNode, type ValidationRule } from "graphql";

/*
 * Which operations each transport carries, as validation rules, so that a wrong one is refused
 * with GRAPHQL_VALIDATION_FAILED before anything runs. HTTP carries queries and mutations; the
 * WebSocket carries subscriptions only, so that every query and mutation goes through the one
 * HTTP path with its body limit, CSRF check, request log and cookies.
 */

function refuseOperations(refused: (operation: OperationTypeNode) => boolean, message: string): ValidationRule {
  return (context) => ({
    OperationDefinition(node) {
      if (refused(node.operation)) context.reportError(new GraphQLError(message, { nodes: node }));
    },
  });
}

/** For Apollo, over HTTP. */
export const noSubscriptionsOverHttp = refuseOperations(
  (operation) => operation === OperationTypeNode.SUBSCRIPTION,
  "Subscriptions are served over a WebSocket on this path (the graphql-transport-ws protocol of graphql-ws), not over HTTP.",
);

/** For graphql-ws, over the WebSocket. */
export const subscriptionsOnlyOverSocket = refuseOperations(
  (operation) => operation !== OperationTypeNode.SUBSCRIPTION,
  "This WebSocket carries subscriptions only: send queries and mutations over HTTP (POST /graphql).",
);
