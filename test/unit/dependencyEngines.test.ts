import fs from "node:fs";
import path from "node:path";
import semver from "semver";
import { PROJECT_ROOT } from "../../src/projectRoot";

const read = (file: string) => fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8");

interface LockedPackage {
  version?: string;
  dev?: boolean;
  engines?: { node?: string } | string[];
}

/** Every package `npm ci` installs, by its place in node_modules, with the Node versions it declares. */
function lockedEngines(): Array<{ where: string; node: string; dev: boolean }> {
  const lock = JSON.parse(read("package-lock.json")) as { packages: Record<string, LockedPackage> };
  return Object.entries(lock.packages).flatMap(([where, entry]) => {
    const node = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
    return where !== "" && node !== undefined ? [{ where, node, dev: entry.dev === true }] : [];
  });
}

// npm warns EBADENGINE for each installed package whose `engines.node` excludes the running Node.
describe("the Node versions the dependencies accept", () => {
  const packages = lockedEngines();

  test("every package accepts the Node version that docs/development.md names: npm ci prints no EBADENGINE", () => {
    const named = /Node (\d+\.\d+) or newer to develop/.exec(read("docs/development.md"))?.[1];
    expect(named).toBeDefined();
    expect(read(".nvmrc").trim()).toBe(String(semver.major(`${named!}.0`)));
    expect(packages.length).toBeGreaterThan(100);
    const refusing = packages.filter(({ node }) => !semver.satisfies(`${named!}.0`, node)).map(({ where, node }) => `${where}: ${node}`);
    expect(refusing).toEqual([]);
  });

  test("every package the server needs at run time accepts the oldest Node that package.json's engines allows", () => {
    const { engines } = JSON.parse(read("package.json")) as { engines: { node: string } };
    const oldest = semver.minVersion(engines.node)!.version;
    const refusing = packages
      .filter(({ node, dev }) => !dev && !semver.satisfies(oldest, node))
      .map(({ where, node }) => `${where}: ${node}`);
    expect(refusing).toEqual([]);
  });
});
