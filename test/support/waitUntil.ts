import { EVENT_DEADLINE_MS } from "./timeouts";

/** Polls `condition` until it holds; fails, naming `what`, after `timeoutMs`. For effects that happen just after an answer (mail sent in the background). */
export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = EVENT_DEADLINE_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
