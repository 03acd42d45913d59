// `npm run build`: compiles src/ to dist/ and bundles the explorer (explorer/, GraphiQL and React)
// into dist/explorer. `npm ci` runs it once (postinstall), and `npm start` runs it with
// --if-changed before every start, where it rebuilds only what changed since the last build: with
// nothing changed it takes well under a second (a full build takes 15-20 s).
//
//   node scripts/build.mjs                        everything, from scratch
//   node scripts/build.mjs --if-changed           only what changed
//   node scripts/build.mjs --if-changed explorer  only the explorer, if its inputs changed
//
// Plain JavaScript, so that it runs before anything is compiled. Plain text lines, one per step,
// and "still ..." every few seconds while a step runs, as the server's own start-up does.
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const STILL_RUNNING_EVERY_MS = 3_000;

const ifChanged = process.argv.includes("--if-changed");
const STEPS = ["typescript", "explorer"];
const named = process.argv.slice(2).filter((arg) => !arg.startsWith("--"));
const unknown = named.filter((name) => !STEPS.includes(name));
if (unknown.length > 0) {
  console.error(`build: no step ${unknown.join(", ")}; the steps are ${STEPS.join(", ")}`);
  process.exit(1);
}
const steps = named.length > 0 ? named : STEPS;

/** Says what runs, and "still ..." every few seconds until it is done. */
async function step(what, work) {
  console.log(`build: ${what}`);
  const started = Date.now();
  const ticker = setInterval(
    () => console.log(`build: still ${what}… (${Math.round((Date.now() - started) / 1000)} s)`),
    STILL_RUNNING_EVERY_MS,
  );
  try {
    return await work();
  } finally {
    clearInterval(ticker);
  }
}

/** Runs a Node.js program of a dependency; rejects with what it printed when it fails. */
function runNode(what, script, args) {
  return step(
    what,
    () =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout.on("data", (chunk) => (output += chunk));
        child.stderr.on("data", (chunk) => (output += chunk));
        child.once("error", reject);
        child.once("close", (code) => {
          if (code === 0) resolve(output);
          else reject(new Error(`build: ${what} failed:\n${output}`));
        });
      }),
  );
}

/**
 * TypeScript's build mode keeps a record of the last build (dist/.tsbuildinfo) and compares the
 * sources' times with it: when nothing is newer it compiles nothing.
 */
async function compileTypeScript() {
  const tsc = require.resolve("typescript/bin/tsc");
  const step = ifChanged ? "compiling what changed in src/ since the last build" : "compiling src/ to dist/";
  await runNode(step, tsc, ["-b", "tsconfig.build.json", ...(ifChanged ? [] : ["--force"])]);
}

const EXPLORER_SOURCE = path.join(ROOT, "explorer");
const EXPLORER_OUT = path.join(ROOT, "dist", "explorer");
/** What the last explorer build read (every file esbuild bundled, and this script), with their digest. */
const EXPLORER_INPUTS = path.join(EXPLORER_OUT, "build-inputs.json");

/** One SHA-256 over the files' names and contents; undefined when one of them is gone. */
function digestOf(files) {
  const hash = crypto.createHash("sha256");
  for (const file of files) {
    if (!fs.existsSync(path.join(ROOT, file))) return undefined;
    hash.update(`${file}\0`).update(fs.readFileSync(path.join(ROOT, file)));
  }
  return hash.digest("hex");
}

/** True when the last build's inputs are all there, unchanged: the files in dist/explorer are theirs. */
function explorerIsCurrent() {
  if (!fs.existsSync(EXPLORER_INPUTS)) return false;
  const last = JSON.parse(fs.readFileSync(EXPLORER_INPUTS, "utf8"));
  return digestOf(last.files) === last.digest;
}

/**
 * The explorer: explorer/main.tsx with GraphiQL, React and their CSS bundled by esbuild into one
 * script and one style sheet, beside explorer/index.html. The API serves them from its own origin
 * (src/http/explorer.ts), so the page loads nothing from elsewhere. --if-changed compares the
 * contents of every file the last bundle read (sources and node_modules alike) with what they were.
 */
async function bundleExplorer() {
  if (ifChanged && explorerIsCurrent()) return;
  const esbuild = await import("esbuild");
  await step("bundling the explorer (GraphiQL) into dist/explorer", async () => {
    fs.rmSync(EXPLORER_OUT, { recursive: true, force: true });
    const result = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: { explorer: path.join(EXPLORER_SOURCE, "main.tsx") },
      outdir: EXPLORER_OUT,
      bundle: true,
      format: "esm",
      target: "es2022",
      jsx: "automatic",
      minify: true,
      define: { "process.env.NODE_ENV": '"production"' },
      legalComments: "none",
      metafile: true,
      logLevel: "silent",
    });
    fs.copyFileSync(path.join(EXPLORER_SOURCE, "index.html"), path.join(EXPLORER_OUT, "index.html"));
    const files = [...Object.keys(result.metafile.inputs), "explorer/index.html", "scripts/build.mjs"].sort();
    fs.writeFileSync(EXPLORER_INPUTS, JSON.stringify({ digest: digestOf(files), files }));
  });
}

// Both at once: tsc keeps one core busy, esbuild the other.
const results = await Promise.allSettled([
  steps.includes("typescript") ? compileTypeScript() : undefined,
  steps.includes("explorer") ? bundleExplorer() : undefined,
]);
for (const result of results) {
  if (result.status === "fulfilled") continue;
  console.error(result.reason instanceof Error ? result.reason.message : result.reason);
  process.exitCode = 1;
}
