import { GraphQLError, parse, specifiedRules, validate, type DocumentNode, type GraphQLSchema } from "graphql";
import type { Context, ServerOptions } from "graphql-ws";
import type { HttpConfig } from "../config";
import { ErrorCode } from "../errors";
import type { StreamBounds } from "../liveEvents/eventStream";
import type { Logger } from "../logger";
import type { Services } from "../services";
import { buildContext, type RequestValues } from "./context";
import { errorFormatter, withRequestIdOnMaskedErrors } from "./errorFormatting";
import { logResolverFailures } from "./errorLogPlugin";
import { operationLimitRules, parseLimits } from "./operationLimits";
import { subscriptionsOnlyOverSocket } from "./transportRules";

/** What the edge read from one socket, as plain values: its id, the request values of its connection, its events' bounds. */
export interface SocketValues {
  id: string;
  request: RequestValues;
  eventBounds: StreamBounds;
}

export interface SocketOperationsDeps<E> {
  schema: GraphQLSchema;
  services: Services;
  config: Pick<HttpConfig, "operationLimits" | "introspection" | "subscriptions">;
  logger: Logger;
  /** The values the edge attached to the socket when it accepted the connection. */
  valuesOf(ctx: Context<Record<string, unknown> | undefined, E>): SocketValues;
}

/**
 * The GraphQL side of the subscriptions' WebSocket (graphql-ws), on the same schema, rules and
 * error mapping as HTTP: each `subscribe` message is parsed and validated with the operation
 * limits, gets its own context from the same builder as a request (so `caller()` verifies the
 * socket's token through the same path as an Authorization header), and its errors are shown as
 * ./errorFormatting.ts shows them.
 */
export function socketOperations<E>(
  deps: SocketOperationsDeps<E>,
): Pick<ServerOptions<Record<string, unknown> | undefined, E>, "onSubscribe" | "onNext" | "onError"> {
  const { limits, rules, format } = prepare(deps);
  return {
    onSubscribe: (ctx, id, payload) => {
      const values = deps.valuesOf(ctx);
      // graphql-ws has already counted this one.
      if (Object.keys(ctx.subscriptions).length > limits.maxSubscriptionsPerSocket) {
        const message = `At most ${limits.maxSubscriptionsPerSocket} subscriptions at once on one socket (WS_MAX_SUBSCRIPTIONS_PER_SOCKET): complete one first.`;
        return [new GraphQLError(message, { extensions: { code: ErrorCode.BAD_REQUEST } })];
      }
      let document: DocumentNode;
      try {
        document = parse(payload.query, parseLimits(deps.config.operationLimits));
      } catch (error) {
        return [
          error instanceof GraphQLError ? withCode(error, "GRAPHQL_PARSE_FAILED") : new GraphQLError("The query could not be parsed."),
        ];
      }
      const invalid = validate(deps.schema, document, rules);
      if (invalid.length > 0) return invalid.map((error) => withCode(error, "GRAPHQL_VALIDATION_FAILED"));
      const request = buildContext(deps.services, `${values.id}:${id}`, values.request, {});
      return {
        schema: deps.schema,
        document,
        operationName: payload.operationName,
        variableValues: payload.variables,
        contextValue: { ...request, eventBounds: values.eventBounds },
      };
    },
    onNext: (ctx, id, _payload, _args, result) =>
      result.errors ? { ...result, errors: format(result.errors, `${deps.valuesOf(ctx).id}:${id}`) } : undefined,
    onError: (ctx, id, _payload, errors) => format(errors, `${deps.valuesOf(ctx).id}:${id}`),
  };
}

function prepare<E>(deps: SocketOperationsDeps<E>) {
  const formatter = errorFormatter({ hideSchemaDetails: !deps.config.introspection });
  const format = (errors: readonly GraphQLError[], requestId: string) => {
    // What is not ours is a failure, logged in full; the client sees it masked.
    logResolverFailures(deps.logger, errors, requestId);
    return [
      ...(withRequestIdOnMaskedErrors(
        errors.map((error) => formatter(error.toJSON(), error)),
        requestId,
      ) ?? []),
    ];
  };
  return {
    limits: deps.config.subscriptions,
    rules: [...specifiedRules, ...operationLimitRules(deps.config.operationLimits), subscriptionsOnlyOverSocket],
    format,
  };
}

/** The code Apollo gives the same refusal over HTTP. */
function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { code } });
}
