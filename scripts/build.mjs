// `npm run build`: compiles src/ to dist/. `npm ci` runs it once (postinstall), and `npm start`
// runs it with --if-changed before every start, where it rebuilds only what changed since the
// last build: with nothing changed it takes well under a second (a full build takes 15-20 s).
//
//   node scripts/build.mjs               everything, from scratch
//   node scripts/build.mjs --if-changed  only what changed
//
// Plain JavaScript, so that it runs before anything is compiled. Plain text lines, one per step,
// and "still ..." every few seconds while a step runs, as the server's own start-up does.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const STILL_RUNNING_EVERY_MS = 3_000;

const ifChanged = process.argv.includes("--if-changed");

/** Runs a Node.js program of a dependency; rejects with what it printed when it fails. */
function runNode(step, script, args) {
  console.log(`build: ${step}`);
  const started = Date.now();
  const ticker = setInterval(
    () => console.log(`build: still ${step}… (${Math.round((Date.now() - started) / 1000)} s)`),
    STILL_RUNNING_EVERY_MS,
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.once("error", reject);
    child.once("close", (code) => {
      clearInterval(ticker);
      if (code === 0) resolve(output);
      else reject(new Error(`build: ${step} failed:\n${output}`));
    });
  });
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

try {
  await compileTypeScript();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
