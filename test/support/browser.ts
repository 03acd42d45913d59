import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { chromium, type Browser } from "playwright-core";
import { PROJECT_ROOT } from "../../src/projectRoot";
import { childEnv } from "./childProcess";

/**
 * The browser is the one `npm ci` brings: @sparticuz/chromium (a devDependency, with no install
 * script and no download) holds a brotli-packed Chromium. The same build on every machine; never a
 * system Chromium, whatever PATH or /usr/bin hold.
 */
const PACKAGE_DIR = path.join(PROJECT_ROOT, "node_modules", "@sparticuz", "chromium");

/**
 * Our flags, and none of @sparticuz/chromium's `chromium.args`. Those are made for AWS Lambda and
 * switch off what a user's browser enforces: --disable-web-security (CORS, same-origin),
 * --disable-site-isolation-trials, --disable-features=IsolateOrigins,site-per-process and
 * --single-process (site isolation), --allow-running-insecure-content (mixed content),
 * --enable-features=SharedArrayBuffer (without cross-origin isolation); their --disable-features
 * would also replace Playwright's own list. The rest tune GPU, sandbox, cache and fonts for Lambda.
 * Ours keep the browser off the network beyond the pages a test opens.
 */
const ARGS = [
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Headless Chromium with a fresh profile, kept off the network beyond the pages a test opens. */
export async function launchChromium(): Promise<Browser> {
  const unpacked = await unpackedChromium();
  return chromium.launch({
    executablePath: unpacked.executable,
    headless: true,
    // As before: Chromium's sandbox refuses to run as root, which CI is.
    chromiumSandbox: false,
    args: ARGS,
    // The fonts that came with the package, and no system font: the same pages on every machine.
    env: childEnv({ FONTCONFIG_FILE: unpacked.fontConfig }),
  });
}

interface Unpacked {
  executable: string;
  fontConfig: string;
}

/**
 * The package's Chromium, unpacked once per package version into node_modules/.cache/ (the next
 * `npm ci` clears it); the first call takes about 5 s. `chromium.executablePath()` unpacks into
 * os.tmpdir() and takes whatever it finds there as done, in a folder every checkout and user of the
 * machine shares. So it runs in a child whose TMPDIR is a folder of ours, which is renamed into place
 * only when complete.
 */
async function unpackedChromium(): Promise<Unpacked> {
  const { version } = JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, "package.json"), "utf8")) as { version: string };
  const dir = path.join(PROJECT_ROOT, "node_modules", ".cache", `sparticuz-chromium-${version}`);
  const unpacked = { executable: path.join(dir, "chromium"), fontConfig: path.join(dir, "fonts.conf") };
  if (fs.existsSync(dir)) return unpacked;

  const partial = `${dir}.partial-${process.pid}`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  try {
    const script = `const { default: chromium } = await import("@sparticuz/chromium"); await chromium.executablePath();`;
    await promisify(execFile)(process.execPath, ["--input-type=module", "--eval", script], {
      cwd: PROJECT_ROOT,
      env: childEnv({ TMPDIR: partial }),
    });
    // The package's own fonts.conf names /tmp/fonts; this one names the fonts unpacked here.
    fs.writeFileSync(path.join(partial, "fonts.conf"), fontConfig(dir));
    fs.renameSync(partial, dir);
  } catch (error) {
    fs.rmSync(partial, { recursive: true, force: true });
    // A test run next to this one may have put the same version in place first.
    if (!fs.existsSync(dir)) throw error;
  }
  return unpacked;
}

function fontConfig(dir: string): string {
  const xml = (text: string) => text.replaceAll("&", "&amp;").replaceAll("<", "&lt;");
  return [
    `<?xml version="1.0"?>`,
    `<!DOCTYPE fontconfig SYSTEM "fonts.dtd">`,
    `<fontconfig>`,
    `  <dir>${xml(path.join(dir, "fonts"))}</dir>`,
    `  <cachedir>${xml(path.join(dir, "fonts-cache"))}</cachedir>`,
    `</fontconfig>`,
    ``,
  ].join("\n");
}
