// `npm run bench:profile`: the `me` path under load with `node --cpu-prof`, and the functions that
// take the most CPU, by self time. Writes the full profile to bench/me.cpuprofile (git-ignored)
// for Chrome DevTools or speedscope.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runLoad } from "./load";
import { PROJECT_ROOT } from "../src/projectRoot";
import { productionServerEnv, startServerProcess, stopAllServers } from "./serverProcess";

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const ME = JSON.stringify({ query: "query Me { me { id email name role createdAt } }" });

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  /** Microseconds between consecutive samples. */
  timeDeltas: number[];
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

async function main(): Promise<void> {
  const { dataDir, env } = productionServerEnv("profile");
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), "auth-api-cpuprofile-"));
  try {
    const api = await startServerProcess(["--cpu-prof", `--cpu-prof-dir=${profileDir}`, "dist/main.js"], {
      ...env,
      ...(process.env.AUTH_CACHE_MAX_ENTRIES ? { AUTH_CACHE_MAX_ENTRIES: process.env.AUTH_CACHE_MAX_ENTRIES } : {}),
    });
    const signup = await fetch(`${api.origin}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: "mutation($input: SignupInput!) { signup(input: $input) { accessToken } }",
        variables: { input: { email: "profile@example.com", password: "correct horse battery staple", name: "Profile" } },
      }),
    });
    const token = ((await signup.json()) as { data: { signup: { accessToken: string } } }).data.signup.accessToken;
    const result = await runLoad({
      url: `${api.origin}/graphql`,
      connections: 32,
      durationSeconds: DURATION,
      body: ME,
      authorizations: [`Bearer ${token}`],
      isExpected: (body) => body.startsWith('{"data":{"me":{'),
    });
    console.log(`me at 32 connections: ${result.requestsPerSecond} req/s, p99 ${result.p99Ms} ms, ${result.errors} errors`);
    await api.stop();
    const file = fs.readdirSync(profileDir).find((name) => name.endsWith(".cpuprofile"))!;
    fs.copyFileSync(path.join(profileDir, file), path.join(PROJECT_ROOT, "bench", "me.cpuprofile"));
    printTopFunctions(loadWindow(JSON.parse(fs.readFileSync(path.join(profileDir, file), "utf8")) as Profile));
  } finally {
    await stopAllServers();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(profileDir, { recursive: true, force: true });
  }
}

/**
 * Only the samples taken under load: the profile covers the whole process, whose start-up
 * (migrations, the embedded PostgreSQL) is mostly idle. The load is the last DURATION seconds
 * before the shutdown, which takes well under a second; half a second is left off each end.
 */
function loadWindow(profile: Profile): Profile {
  const times: number[] = [];
  let t = 0;
  for (const delta of profile.timeDeltas) times.push((t += delta));
  const end = t - 1_000_000;
  const start = end - (DURATION - 1) * 1_000_000;
  const samples = profile.samples.filter((_, i) => times[i]! >= start && times[i]! <= end);
  return { ...profile, samples };
}

/** Self time per function (samples whose top frame it is), and per package, as shares of the samples under load. */
function printTopFunctions(profile: Profile): void {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfByFunction = new Map<string, number>();
  const selfByPackage = new Map<string, number>();
  for (const id of profile.samples) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const where = url.replace(`file://${PROJECT_ROOT}/`, "");
    const key = `${functionName || "(anonymous)"} ${where}:${lineNumber + 1}`;
    selfByFunction.set(key, (selfByFunction.get(key) ?? 0) + 1);
    const pkg =
      /node_modules\/((@[^/]+\/)?[^/]+)/.exec(where)?.[1] ??
      (where.startsWith("dist/")
        ? "our code (dist/)"
        : where.startsWith("node:")
          ? "node core"
          : where.startsWith("wasm://")
            ? "WebAssembly (Prisma's query compiler)"
            : functionName || "(other)");
    selfByPackage.set(pkg, (selfByPackage.get(pkg) ?? 0) + 1);
  }
  const total = profile.samples.length;
  const top = (map: Map<string, number>, n: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([key, count]) => `  ${((100 * count) / total).toFixed(1).padStart(5)}%  ${key}`);
  console.log("\nself time by package:");
  console.log(top(selfByPackage, 15).join("\n"));
  console.log("\nself time by function:");
  console.log(top(selfByFunction, 25).join("\n"));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
