import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { PROJECT_ROOT } from "../../src/projectRoot";
import { childEnv, run, stop } from "./childProcess";

const VITE = path.join(PROJECT_ROOT, "node_modules", "vite", "bin", "vite.js");

export interface WebDemo {
  /** The page, e.g. http://127.0.0.1:41234/ */
  url: string;
  stop(): Promise<void>;
}

/**
 * Builds examples/web with Vite and serves the build with `vite preview` on 127.0.0.1, which
 * forwards /graphql to the API at `apiUrl` (examples/web/vite.config.mts), as in development.
 * `port` is a free one unless given: an API that mails links to the page (APP_URL) must know the
 * page's address before it starts, and the page the API's; `freePort()` breaks the circle.
 * Each demo has a build of its own: the page is built with the API's origin in it.
 */
export async function startWebDemo(apiUrl: string, port?: number): Promise<WebDemo> {
  port ??= await freePort();
  const apiOrigin = new URL(apiUrl).origin;
  const buildDir = path.join(PROJECT_ROOT, "test-output", `web-build-${port}`);
  const build = await run(
    process.execPath,
    [VITE, "build", "examples/web", "--outDir", buildDir, "--emptyOutDir", "--logLevel", "warn"],
    childEnv({ API_ORIGIN: apiOrigin }),
  );
  if (build.code !== 0) throw new Error(`vite build failed:\n${build.stdout}${build.stderr}`);

  const preview = spawn(
    process.execPath,
    [VITE, "preview", "examples/web", "--outDir", buildDir, "--host", "127.0.0.1", "--port", String(port), "--strictPort"],
    { cwd: PROJECT_ROOT, env: childEnv({ API_ORIGIN: apiOrigin }), stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  preview.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const url = `http://127.0.0.1:${port}/`;
  try {
    await waitUntilServing(url, () => preview.exitCode !== null);
  } catch (error) {
    await stop(preview);
    throw new Error(`vite preview did not serve ${url}: ${(error as Error).message}\n${stderr}`, { cause: error });
  }
  return {
    url,
    stop: async () => {
      await stop(preview);
      fs.rmSync(buildDir, { recursive: true, force: true });
    },
  };
}

/** A port of 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilServing(url: string, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (exited()) throw new Error("it exited");
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("still not answering after 30 s");
}
