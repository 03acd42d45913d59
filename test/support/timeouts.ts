// How long tests wait, in one place. A test waits for what it expects and stops waiting as soon
// as it has it, so a generous deadline costs nothing when all is well; it only keeps a busy
// machine (the suite twice at once on 2 shared cores) from failing a test that would have passed.

/** For what happens just after an answer (a mail, a log line, a listener reconnecting): the most a test waits for it. */
export const EVENT_DEADLINE_MS = 30_000;

/**
 * For a test or hook that starts PostgreSQL or a server process of its own (start-up, migrations),
 * or sends hundreds of requests, on a busy machine.
 */
export const LONG_TEST_TIMEOUT_MS = 240_000;

/** For the fuzz test's 7,500 requests: about 290 s on 2 cores busy with the suite twice at once, past 300 s with more load. */
export const FUZZ_TEST_TIMEOUT_MS = 600_000;
