import fs from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../../src/projectRoot";

/** The Markdown a reader follows links in: the front door, the reference, the benchmark notes. */
const DOCUMENTS = [
  "README.md",
  "bench/README.md",
  ...fs
    .readdirSync(path.join(PROJECT_ROOT, "docs"))
    .filter((file) => file.endsWith(".md"))
    .map((file) => `docs/${file}`),
];

/** The text outside fenced code blocks and inline code, where a `[x](y)` is a link. */
const prose = (markdown: string) => markdown.replace(/^```[\s\S]*?^```/gm, "").replace(/`[^`\n]*`/g, "");

/** Link targets: inline `[text](target)` and `![alt](target)`, and reference definitions `[x]: target`. */
function linkTargets(markdown: string): string[] {
  const text = prose(markdown);
  return [
    ...[...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1]!),
    ...[...text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((match) => match[1]!),
  ];
}

/** The anchors GitHub gives a file's headings: lower case, punctuation dropped, spaces as dashes, repeats numbered. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const match of markdown.replace(/^```[\s\S]*?^```/gm, "").matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = match[1]!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}\p{Pc} -]/gu, "")
      .replace(/ /g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

describe("links in the documentation", () => {
  test.each(DOCUMENTS)(
    "every relative link in %s leads to a file in the repository (and a heading there, when it names one)",
    (document) => {
      const from = path.join(PROJECT_ROOT, document);
      const broken: string[] = [];
      for (const target of linkTargets(fs.readFileSync(from, "utf8"))) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//")) continue; // https:, mailto:, ...
        const [file = "", anchor] = target.split("#");
        const resolved = file === "" ? from : path.resolve(path.dirname(from), decodeURIComponent(file));
        if (path.relative(PROJECT_ROOT, resolved).startsWith("..")) broken.push(`${target}: outside the repository`);
        else if (!fs.existsSync(resolved)) broken.push(`${target}: no such file`);
        else if (anchor && resolved.endsWith(".md") && !headingAnchors(fs.readFileSync(resolved, "utf8")).has(anchor)) {
          broken.push(`${target}: no heading with that anchor`);
        }
      }
      expect(broken).toEqual([]);
    },
  );

  test("the documents do link to each other", () => {
    const readmeTargets = linkTargets(fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8"));
    for (const document of DOCUMENTS.filter((file) => file.startsWith("docs/"))) expect(readmeTargets).toContain(document);
  });
});
