import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import type { GraphQLSchema } from "graphql";
import type { HttpConfig } from "../config";
import type { Logger } from "../logger";
import type { GraphQLContext } from "./context";
import { errorFormatter } from "./errorFormatting";
import { errorLogPlugin } from "./errorLogPlugin";
import { exampleOperationsDocument } from "./exampleOperations";
import { maskedErrorIdPlugin } from "./maskedErrorIdPlugin";
import { operationLimitRules, parseLimits } from "./operationLimits";
import { requestLogPlugin } from "./requestLogPlugin";
import { noSubscriptionsOverHttp } from "./transportRules";

/** Apollo on `schema` (from ./schema.ts, shared with the subscriptions' WebSocket). */
export function createApolloServer(config: HttpConfig, logger: Logger, schema: GraphQLSchema): ApolloServer<GraphQLContext> {
  return new ApolloServer<GraphQLContext>({
    schema,
    // Without introspection, "Did you mean ...?" suggestions would still reveal the schema: the
    // formatter removes them from every message (Apollo's hideSchemaDetailsFromClientErrors
    // covers only validation errors, so it is not used).
    formatError: errorFormatter({ hideSchemaDetails: !config.introspection }),
    includeStacktraceInErrorResponses: false,
    introspection: config.introspection,
    csrfPrevention: true,
    validationRules: [...operationLimitRules(config.operationLimits), noSubscriptionsOverHttp],
    parseOptions: parseLimits(config.operationLimits),
    // Shutdown is main.ts's: Apollo's own signal handler would stop it before in-flight requests finish.
    stopOnTerminationSignals: false,
    plugins: [
      config.landingPage
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true, document: exampleOperationsDocument(), includeCookies: false })
        : ApolloServerPluginLandingPageDisabled(),
      errorLogPlugin(logger),
      maskedErrorIdPlugin(),
      requestLogPlugin(),
    ],
  });
}
