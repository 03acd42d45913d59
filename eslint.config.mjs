// `npm run lint`: typescript-eslint's strict, type-checked rules, plus the import rules that keep
// the layers pointing down (http -> graphql -> services -> auth -> db).
import eslint from "@eslint/js";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

/**
 * A relative import that reaches the folder (or module) `name` from below it: `../http/cors`,
 * `../../services`. Sources import relative paths without extensions; `.js` is allowed for
 * nodenext-style specifiers.
 */
const reaching = (name) => `^(\\./|(\\.\\./)+)${name}(/.*|\\.js)?$`;

const layer = {
  httpFromGraphql: {
    regex: reaching("http"),
    message: "Layer rule: src/graphql never imports src/http (the edge calls GraphQL, not back).",
  },
  graphqlFromAuth: { regex: reaching("graphql"), message: "Layer rule: src/auth never imports src/graphql." },
  httpFromAuth: { regex: reaching("http"), message: "Layer rule: src/auth never imports src/http." },
  servicesFromAuth: {
    regex: reaching("services"),
    message: "Layer rule: src/auth never imports src/services.ts (services are built from auth, not the other way).",
  },
  sessionsFromTokens: {
    regex: reaching("sessions"),
    message: "Layer rule: src/auth/tokens imports no other room of src/auth (not sessions).",
  },
  accountsFromTokens: {
    regex: reaching("accounts"),
    message: "Layer rule: src/auth/tokens imports no other room of src/auth (not accounts).",
  },
  authFromDb: { regex: reaching("auth"), message: "Layer rule: src/db never imports src/auth." },
  graphqlFromDb: { regex: reaching("graphql"), message: "Layer rule: src/db never imports src/graphql." },
  httpFromDb: { regex: reaching("http"), message: "Layer rule: src/db never imports src/http." },
  servicesFromDb: { regex: reaching("services"), message: "Layer rule: src/db never imports src/services.ts." },
  postsFromDb: { regex: reaching("posts"), message: "Layer rule: src/db never imports src/posts." },
  authFromMail: { regex: reaching("auth"), message: "Layer rule: src/mail never imports src/auth (accounts compose the messages)." },
  graphqlFromMail: { regex: reaching("graphql"), message: "Layer rule: src/mail never imports src/graphql." },
  httpFromMail: { regex: reaching("http"), message: "Layer rule: src/mail never imports src/http." },
  servicesFromMail: { regex: reaching("services"), message: "Layer rule: src/mail never imports src/services.ts." },
  graphqlFromPosts: { regex: reaching("graphql"), message: "Layer rule: src/posts never imports src/graphql." },
  httpFromPosts: { regex: reaching("http"), message: "Layer rule: src/posts never imports src/http." },
  servicesFromPosts: { regex: reaching("services"), message: "Layer rule: src/posts never imports src/services.ts." },
};

/** One config block per folder; a later block replaces the rule's options, so each lists all that apply. */
const restrictImports = (files, patterns) => ({
  files,
  rules: { "@typescript-eslint/no-restricted-imports": ["error", { patterns }] },
});

const authRules = [layer.graphqlFromAuth, layer.httpFromAuth, layer.servicesFromAuth];

export default defineConfig(
  {
    // Generated code, build output and what tests, benchmarks and the database write (as in .gitignore).
    ignores: [
      "src/generated/",
      "src/graphql/generated/",
      "examples/generated/",
      "test/support/generated/",
      "dist/",
      "coverage/",
      "test-output/",
      ".data/",
    ],
  },
  eslint.configs.recommended,
  tseslint.configs.strictTypeChecked,
  tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // Each file is checked against the nearest tsconfig.json: the root one, or examples/web's
        // (DOM lib, bundler resolution) for the browser page.
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // noUncheckedIndexedAccess makes every index, regex group and lookup possibly undefined; `!` states
      // what the line before established (a match, a length check, an expect), where a guard could never fire.
      "@typescript-eslint/no-non-null-assertion": "off",
      // Numbers read fine in messages and log lines; objects, nullish values and booleans still do not.
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      // `(error) => reject(error)` and `() => resolve()` callbacks are the common idiom for promise wrappers here.
      "@typescript-eslint/no-confusing-void-expression": ["error", { ignoreArrowShorthand: true }],
      // `T[]` for simple types; `Array<{ ... }>` stays readable for object and union element types.
      "@typescript-eslint/array-type": ["error", { default: "array-simple" }],
      // Apollo's plugin hooks and context function and Prisma's adapter factory must return promises;
      // `async` without `await` is the plain way to say so (no-misused-promises still guards real async mistakes).
      "@typescript-eslint/require-await": "off",
      // Spreading a string counts and splits Unicode code points on purpose (password and name lengths, the fuzzer).
      "@typescript-eslint/no-misused-spread": ["error", { allow: ["string"] }],
      // Signal handlers are registered before the value they stop exists (main.ts, clusterPrimary.ts): `let`, assigned once, later.
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
      // An empty string means "not set" for environment values and regex groups; `||` and `x ? x : y` say so on purpose.
      "@typescript-eslint/prefer-nullish-coalescing": ["error", { ignorePrimitives: { string: true } }],
      // `_name` marks a parameter a signature needs (as noUnusedParameters allows); a rest object's siblings are taken out on purpose.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", ignoreRestSiblings: true }],
    },
  },
  // Config files in plain JavaScript: no types to check. jest.config.js is CommonJS ("type": "commonjs").
  { files: ["**/*.js", "**/*.mjs"], extends: [tseslint.configs.disableTypeChecked] },
  { files: ["**/*.js"], languageOptions: { sourceType: "commonjs" } },
  {
    files: ["test/**"],
    rules: {
      // afterAll hooks guard what a failed beforeAll left unassigned (`await app?.stop()`), which `let app: RunningApp` cannot express.
      "@typescript-eslint/no-unnecessary-condition": "off",
      // @types/jest types the asymmetric matchers (expect.any, expect.stringMatching, ...) as `any`, and they sit in object literals.
      "@typescript-eslint/no-unsafe-assignment": "off",
    },
  },
  restrictImports(["src/graphql/**"], [layer.httpFromGraphql]),
  restrictImports(["src/auth/**"], authRules),
  restrictImports(["src/auth/tokens/**"], [...authRules, layer.sessionsFromTokens, layer.accountsFromTokens]),
  restrictImports(["src/posts/**"], [layer.graphqlFromPosts, layer.httpFromPosts, layer.servicesFromPosts]),
  restrictImports(["src/mail/**"], [layer.authFromMail, layer.graphqlFromMail, layer.httpFromMail, layer.servicesFromMail]),
  restrictImports(["src/db/**"], [layer.authFromDb, layer.postsFromDb, layer.graphqlFromDb, layer.httpFromDb, layer.servicesFromDb]),
);
