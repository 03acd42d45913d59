import { ESLint } from "eslint";
import tseslint from "typescript-eslint";
import { PROJECT_ROOT } from "../../src/projectRoot";

// The layer rules of eslint.config.mjs, run on one-line files that do not exist on disk. The real
// config is used; only type information is switched off, which the import rules do not need
// (and a file that is not on disk has none).
const eslint = new ESLint({ cwd: PROJECT_ROOT, overrideConfig: tseslint.configs.disableTypeChecked });

/** The layer-rule messages ESLint gives `code` when it sits at `filePath`. */
async function layerMessages(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  expect(result!.messages.filter((message) => message.fatal)).toEqual([]);
  return result!.messages
    .filter((message) => message.ruleId === "@typescript-eslint/no-restricted-imports")
    .map((message) => message.message);
}

describe("import boundaries between the layers (npm run lint)", () => {
  test.each([
    ["src/graphql/x.ts", 'import { corsHeaders } from "../http/cors";', "src/graphql never imports src/http"],
    ["src/graphql/resolvers/x.ts", 'import type { RequestReader } from "../../http/requestReader";', "src/graphql never imports src/http"],
    ["src/auth/x.ts", 'import type { GraphQLContext } from "../graphql/context";', "src/auth never imports src/graphql"],
    ["src/auth/sessions/x.ts", 'export { startHttpServer } from "../../http/httpServer";', "src/auth never imports src/http"],
    ["src/auth/accounts/x.ts", 'import type { Services } from "../../services";', "src/auth never imports src/services.ts"],
    // The lowest folders of src/auth build on no other folder of it, named today or added later.
    [
      "src/auth/tokens/x.ts",
      'import { sessionEnded } from "../sessions/lifecycle";',
      "src/auth/tokens imports no other folder of src/auth",
    ],
    [
      "src/auth/tokens/x.ts",
      'import { RateLimitCounter } from "../limits/rateLimitCounter";',
      "src/auth/tokens imports no other folder of src/auth",
    ],
    ["src/auth/tokens/x.ts", 'import { AuthCache } from "../authCache/cache";', "src/auth/tokens imports no other folder of src/auth"],
    [
      "src/auth/limits/x.ts",
      'import { hashOpaqueToken } from "../tokens/opaqueTokens";',
      "src/auth/limits imports no other folder of src/auth",
    ],
    [
      "src/auth/limits/x.ts",
      'import { PasswordHasher } from "../passwords/hashing";',
      "src/auth/limits imports no other folder of src/auth",
    ],
    ["src/auth/limits/x.ts", 'import { Totp } from "../factors/totp.js";', "src/auth/limits imports no other folder of src/auth"],
    [
      "src/auth/authCache/x.ts",
      'import { lockUser } from "../sessions/userLock";',
      "src/auth/authCache imports no other folder of src/auth",
    ],
    [
      "src/auth/authCache/x.ts",
      'import type { AccessTokens } from "../tokens/accessTokens";',
      "src/auth/authCache imports no other folder of src/auth",
    ],
    ["src/auth/authCache/x.ts", 'import type { Services } from "../../services";', "src/auth never imports src/services.ts"],
    [
      "src/auth/securityEvents/x.ts",
      'import { lockUser } from "../sessions/userLock";',
      "src/auth/securityEvents imports no other folder of src/auth",
    ],
    ["src/auth/limits/x.ts", 'import type { GraphQLContext } from "../../graphql/context";', "src/auth never imports src/graphql"],
    ["src/auth/tokens/x.ts", 'import type { Services } from "../../services";', "src/auth never imports src/services.ts"],
    ["src/db/x.ts", 'import { AuthCache } from "../auth/authCache/cache";', "src/db never imports src/auth"],
    ["src/db/x.ts", 'import type { GraphQLContext } from "../graphql/context";', "src/db never imports src/graphql"],
    ["src/db/x.ts", 'import { createHttpServer } from "../http/httpServer";', "src/db never imports src/http"],
    ["src/db/x.ts", 'import type { Services } from "../services";', "src/db never imports src/services.ts"],
    ["src/db/x.ts", 'import { PostService } from "../posts/postService";', "src/db never imports src/posts"],
    ["src/posts/x.ts", 'import type { GraphQLContext } from "../graphql/context";', "src/posts never imports src/graphql"],
    ["src/posts/x.ts", 'import { corsHeaders } from "../http/cors";', "src/posts never imports src/http"],
    ["src/posts/x.ts", 'import type { Services } from "../services";', "src/posts never imports src/services.ts"],
    // The subscriptions' fan-out is a service above auth and posts, below the GraphQL layer.
    ["src/liveEvents/x.ts", 'import type { GraphQLContext } from "../graphql/context";', "src/liveEvents never imports src/graphql"],
    ["src/liveEvents/x.ts", 'import { SocketClose } from "../http/liveSockets";', "src/liveEvents never imports src/http"],
    ["src/liveEvents/x.ts", 'import type { Services } from "../services";', "src/liveEvents never imports src/services.ts"],
    ["src/posts/x.ts", 'import { LiveEvents } from "../liveEvents/liveEvents";', "src/posts never imports src/liveEvents"],
    ["src/auth/sessions/x.ts", 'import { LiveEvents } from "../../liveEvents/liveEvents";', "src/auth never imports src/liveEvents"],
    ["src/auth/authCache/x.ts", 'import { LiveEvents } from "../../liveEvents/liveEvents";', "src/auth never imports src/liveEvents"],
  ])("%s: %s is refused", async (filePath, code, rule) => {
    const messages = await layerMessages(filePath, code);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain(`Layer rule: ${rule}`);
  });

  test.each([
    // Downward imports are the point of the layers.
    ["src/http/x.ts", 'import { createApolloServer } from "../graphql/apolloServer";'],
    ["src/graphql/x.ts", 'import type { Services } from "../services";'],
    ["src/graphql/resolvers/x.ts", 'import { AuthenticationError } from "../../errors";'],
    ["src/auth/sessions/x.ts", 'import { AccessTokens } from "../tokens/accessTokens";'],
    ["src/auth/accounts/x.ts", 'import { isDatabaseUnavailable } from "../../db/databaseOutage";'],
    ["src/auth/tokens/x.ts", 'import { AuthenticationError } from "../../errors";'],
    // Within a lowest folder, and the shared types module, are fine.
    ["src/auth/tokens/x.ts", 'import { hashOpaqueToken } from "./opaqueTokens";'],
    ["src/auth/limits/x.ts", 'import type { ClientInfo } from "../types";'],
    ["src/auth/authCache/x.ts", 'import { LruCache } from "../../cache/lruCache";'],
    // Higher folders of src/auth build on the lowest ones and on each other.
    ["src/auth/sessions/x.ts", 'import { SessionStateReader } from "../authCache/sessionStateReader";'],
    ["src/auth/passwords/x.ts", 'import { LoginRateLimiter } from "../limits/loginRateLimiter";'],
    ["src/auth/mailedLinks/x.ts", 'import { lockUser } from "../sessions/userLock";'],
    ["src/liveEvents/x.ts", 'import type { PostService } from "../posts/postService";'],
    ["src/graphql/x.ts", 'import type { StreamBounds } from "../liveEvents/eventStream";'],
    // Node's own modules are not our layers.
    ["src/graphql/x.ts", 'import http from "node:http";'],
    ["src/db/x.ts", 'import type { IncomingMessage } from "http";'],
  ])("%s: %s is allowed", async (filePath, code) => {
    expect(await layerMessages(filePath, code)).toEqual([]);
  });
});
