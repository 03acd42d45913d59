import { waitUntil } from "./waitUntil";

export interface ProbeAnswer {
  status: number;
  type: string | null;
  body: Record<string, unknown>;
}

/** One GET of a probe (/healthz, /readyz) of the server at `url`. */
export async function probe(url: string, path: string): Promise<ProbeAnswer> {
  const response = await fetch(new URL(path, url));
  return { status: response.status, type: response.headers.get("content-type"), body: (await response.json()) as Record<string, unknown> };
}

function matches(answer: ProbeAnswer, expected: Partial<ProbeAnswer>): boolean {
  try {
    expect(answer).toMatchObject(expected);
    return true;
  } catch {
    return false;
  }
}

/**
 * The probe's answer once it matches `expected` (as toMatchObject does), else the last one, for the
 * test's own assertion to show. /readyz gives its database check 2 s; on a busy machine one check
 * can run out of time and answer "database unreachable", which a load balancer also sees and
 * answers by asking again. So does a test.
 */
export async function probeOnceItMatches(url: string, path: string, expected: Partial<ProbeAnswer>): Promise<ProbeAnswer> {
  let answer: ProbeAnswer | undefined;
  const matching = async () => {
    answer = await probe(url, path);
    return matches(answer, expected);
  };
  await waitUntil(matching, `${path} answers ${JSON.stringify(expected)}`).catch(() => undefined);
  return answer!;
}
