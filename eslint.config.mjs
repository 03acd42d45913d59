// `npm run lint`: typescript-eslint's strict, type-checked rules, plus the import rules that keep
// the layers pointing down (http -> graphql -> services (auth, posts) -> db).
import eslint from "@eslint/js";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

/**
 * A relative import that reaches the folder (or module) `name` from below it: `../http/cors`,
 * `../../services`. Sources import relative paths without extensions; `.js` is allowed for
 * nodenext-style specifiers.
 */
const reaching = (name) => `^(\\./|(\\.\\./)+)${name}(/.*|\\.js)?$`;

/** `src/<from>` never imports `<to>`: a folder of src/, or `services` for src/services.ts. */
const never = (from, to, why) => ({
  regex: reaching(to),
  message: `Layer rule: src/${from} never imports src/${to === "services" ? "services.ts" : to}${why ? ` (${why})` : ""}.`,
});

/** What no layer below the edge and GraphQL may reach: those two, and src/services.ts, which is built from the layers below. */
const upperLayers = (from) => [never(from, "graphql"), never(from, "http"), never(from, "services")];

/**
 * The lowest folders of src/auth (limits, tokens, authCache, securityEvents) build on nothing else in src/auth:
 * no sibling folder, whichever, so folders added later are covered too. `../types` (a module,
 * not a folder) stays allowed.
 */
const noOtherAuthFolder = (folder) => ({
  regex: `^\\.\\./(?!${folder}/)[^./]+/`,
  message: `Layer rule: src/auth/${folder} imports no other folder of src/auth.`,
});

/** One config block per folder; a later block replaces the rule's options, so each lists all that apply. */
const restrictImports = (files, patterns) => ({
  files,
  rules: { "@typescript-eslint/no-restricted-imports": ["error", { patterns }] },
});

/** The lowest folders of src/auth, each with the rules of src/auth and its own. */
const lowestAuthFolder = (folder) =>
  restrictImports([`src/auth/${folder}/**`], [never("auth", "liveEvents"), ...upperLayers("auth"), noOtherAuthFolder(folder)]);

export default defineConfig(
  {
    // Generated code, build output and what tests, benchmarks and the database write (as in .gitignore).
    ignores: [
      "src/generated/",
      "src/graphql/generated/",
      "examples/generated/",
      "examples/apollo-client/generated/",
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
  // Scripts in plain JavaScript run on Node.js (scripts/build.mjs runs before anything is compiled).
  {
    files: ["scripts/**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly", setInterval: "readonly", clearInterval: "readonly" } },
  },
  {
    files: ["test/**"],
    rules: {
      // afterAll hooks guard what a failed beforeAll left unassigned (`await app?.stop()`), which `let app: RunningApp` cannot express.
      "@typescript-eslint/no-unnecessary-condition": "off",
      // @types/jest types the asymmetric matchers (expect.any, expect.stringMatching, ...) as `any`, and they sit in object literals.
      "@typescript-eslint/no-unsafe-assignment": "off",
    },
  },
  restrictImports(["src/graphql/**"], [never("graphql", "http", "the edge calls GraphQL, not back")]),
  // src/liveEvents (the subscriptions' fan-out) builds on src/auth and src/posts, which know nothing of it.
  restrictImports(["src/auth/**"], [never("auth", "liveEvents", "the fan-out builds on auth"), ...upperLayers("auth")]),
  lowestAuthFolder("limits"),
  lowestAuthFolder("tokens"),
  lowestAuthFolder("authCache"),
  lowestAuthFolder("securityEvents"),
  restrictImports(["src/posts/**"], [never("posts", "liveEvents", "the fan-out builds on posts"), ...upperLayers("posts")]),
  restrictImports(["src/liveEvents/**"], upperLayers("liveEvents")),
  restrictImports(["src/mail/**"], [never("mail", "auth", "accounts compose the messages"), ...upperLayers("mail")]),
  restrictImports(["src/db/**"], [never("db", "auth"), never("db", "posts"), never("db", "liveEvents"), ...upperLayers("db")]),
);
