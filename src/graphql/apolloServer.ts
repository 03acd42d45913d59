import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import type { HttpConfig } from "../config";
import type { Logger } from "../logger";
import type { GraphQLContext } from "./context";
import { errorFormatter } from "./errorFormatting";
import { errorLogPlugin } from "./errorLogPlugin";
import { maskedErrorIdPlugin } from "./maskedErrorIdPlugin";
import { operationLimitRules, parseLimits } from "./operationLimits";
import { requestLogPlugin } from "./requestLogPlugin";
import { buildApiSchema } from "./schema";

/** What Apollo Sandbox opens with in development: the story of the product in one operation. */
const SANDBOX_DOCUMENT = `# 1. Run "Signup" (or "Login"), copy accessToken.
# 2. In Headers below, set Authorization: Bearer <accessToken>.
# 3. Run "Me".
mutation Signup {
  signup(input: { email: "ada@example.com", password: "correct horse battery", name: "Ada" }) {
    accessToken
    accessTokenExpiresAt
    refreshToken
    user { id email name }
  }
}

mutation Login {
  login(input: { email: "ada@example.com", password: "correct horse battery" }) {
    accessToken
    refreshToken
  }
}

query Me {
  me { id email name role createdAt }
}

# Paste the refreshToken from Signup or Login: you get a new pair, the old token is spent.
mutation Refresh {
  refreshToken(token: "paste-refresh-token-here") { accessToken refreshToken }
}

mutation Logout {
  logout
}
`;

export function createApolloServer(config: HttpConfig, logger: Logger): ApolloServer<GraphQLContext> {
  return new ApolloServer<GraphQLContext>({
    schema: buildApiSchema(),
    // Without introspection, "Did you mean ...?" suggestions would still reveal the schema: the
    // formatter removes them from every message (Apollo's hideSchemaDetailsFromClientErrors
    // covers only validation errors, so it is not used).
    formatError: errorFormatter({ hideSchemaDetails: !config.introspection }),
    includeStacktraceInErrorResponses: false,
    introspection: config.introspection,
    csrfPrevention: true,
    validationRules: operationLimitRules(config.operationLimits),
    parseOptions: parseLimits(config.operationLimits),
    // Shutdown is main.ts's: Apollo's own signal handler would stop it before in-flight requests finish.
    stopOnTerminationSignals: false,
    plugins: [
      config.landingPage
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true, document: SANDBOX_DOCUMENT, includeCookies: false })
        : ApolloServerPluginLandingPageDisabled(),
      errorLogPlugin(logger),
      maskedErrorIdPlugin(),
      requestLogPlugin(),
    ],
  });
}
