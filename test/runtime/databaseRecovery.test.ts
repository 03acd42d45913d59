import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startChildServer, type ChildServer } from "../support/childServer";
import { graphql, ME, signUp, type AuthPayload } from "../support/graphqlClient";
import { postgresProcesses } from "../support/postgresProcesses";
import { EVENT_DEADLINE_MS, LONG_TEST_TIMEOUT_MS } from "../support/timeouts";

/**
 * A wait for a connection: the server under test gets DATABASE_CONNECT_TIMEOUT at its maximum, so
 * that a request that waited for the database instead of being refused at once would stand out
 * from any slowness of a busy machine, by a wide margin either way.
 */
const CONNECT_TIMEOUT_SECONDS = 60;
/** Every answer during the outage comes well within the connect timeout: refused connections, not waits. */
const ANSWER_BOUND_MS = (CONNECT_TIMEOUT_SECONDS * 1000) / 3;
/** From the moment the database can come back to the moment requests work again, with a generous margin. */
const RECOVERY_BOUND_MS = EVENT_DEADLINE_MS;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One `me` and one /readyz, each timed: what a client and a load balancer would see now. */
async function observe(server: ChildServer, token: string) {
  const started = Date.now();
  const me = await graphql(server.url, ME, undefined, { token });
  const meMs = Date.now() - started;
  const readyz = await fetch(new URL("/readyz", server.origin));
  const readiness = (await readyz.json()) as { reason?: string };
  return {
    me: me.data?.me ? "OK" : `${me.status} ${String(me.errors?.[0]?.extensions?.code)}`,
    meMs,
    readyz: `${readyz.status}${readiness.reason ? ` ${readiness.reason}` : ""}`,
  };
}

// The server's own PostgreSQL (no DATABASE_URL), killed under it; the API process is never restarted.
describe("the embedded PostgreSQL dies under a running server", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "auth-api-recovery-"));
  const clusterDir = path.join(dataDir, "postgres");
  let server: ChildServer;
  let account: AuthPayload;
  let held: number | undefined;

  beforeAll(async () => {
    server = await startChildServer({
      DATABASE_URL: "",
      DATA_DIR: dataDir,
      MIGRATE_ON_START: "true",
      DATABASE_CONNECT_TIMEOUT: `${CONNECT_TIMEOUT_SECONDS}s`,
    });
    account = await signUp(server.url);
  }, LONG_TEST_TIMEOUT_MS);
  afterAll(async () => {
    if (held) process.kill(held, "SIGCONT");
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test(
    "kill -9 of the postmaster: SERVICE_UNAVAILABLE and not ready until the server has restarted it, then the old token works again",
    async () => {
      const { postmaster } = postgresProcesses(clusterDir);
      process.kill(postmaster, "SIGKILL");
      const killedAt = Date.now();

      const seen: string[] = [];
      let unavailableAfterMs: number | undefined;
      let recoveredAfterMs: number | undefined;
      while (recoveredAfterMs === undefined && Date.now() - killedAt < RECOVERY_BOUND_MS) {
        const now = await observe(server, account.accessToken);
        expect(now.meMs).toBeLessThan(ANSWER_BOUND_MS);
        expect(["OK", "200 SERVICE_UNAVAILABLE"]).toContain(now.me);
        expect(["200", "503 database unreachable"]).toContain(now.readyz);
        seen.push(`${now.me} / ${now.readyz}`);
        if (now.me !== "OK") unavailableAfterMs ??= Date.now() - killedAt;
        // Healed: the request works and the process says so, after the outage was seen.
        else if (unavailableAfterMs !== undefined && now.readyz === "200") recoveredAfterMs = Date.now() - killedAt;
        await sleep(50);
      }
      expect(seen).toContain("200 SERVICE_UNAVAILABLE / 503 database unreachable");
      expect(recoveredAfterMs).toBeDefined();
      expect((await fetch(new URL("/healthz", server.origin))).status).toBe(200);

      const died = server.logs.find((line) => line.msg === "embedded PostgreSQL died; restarting it");
      expect(died).toMatchObject({ pid: postmaster, signal: "SIGKILL" });
      console.log(
        `kill -9: death logged after ${Number(died!.time) - killedAt} ms, first SERVICE_UNAVAILABLE after ${unavailableAfterMs} ms, healed after ${recoveredAfterMs} ms`,
      );
      const restarted = server.logs.find((line) => line.msg === "embedded PostgreSQL restarted");
      expect(restarted).toMatchObject({ pid: postgresProcesses(clusterDir).postmaster });
      expect(restarted!.pid).not.toBe(postmaster);
    },
    LONG_TEST_TIMEOUT_MS,
  );

  test(
    "PostgreSQL stops by itself (an immediate shutdown, as after a PANIC): the death is logged with its last words, and it is restarted",
    async () => {
      const { postmaster } = postgresProcesses(clusterDir);
      const deaths = () => server.logs.filter((line) => line.msg === "embedded PostgreSQL died; restarting it");
      const deathsBefore = deaths().length;
      process.kill(postmaster, "SIGQUIT");
      const stoppedAt = Date.now();
      // Until the death is logged, then until the server answers again: right after the signal the
      // old PostgreSQL may still be shutting down, and a cached `me` and readyz answer as before.
      let now = await observe(server, account.accessToken);
      while ((deaths().length === deathsBefore || now.me !== "OK" || now.readyz !== "200") && Date.now() - stoppedAt < RECOVERY_BOUND_MS) {
        expect(now.meMs).toBeLessThan(ANSWER_BOUND_MS);
        await sleep(100);
        now = await observe(server, account.accessToken);
      }
      expect(now).toMatchObject({ me: "OK", readyz: "200" });
      const died = deaths()[deathsBefore];
      expect(died).toMatchObject({ pid: postmaster });
      expect(died!.output).toMatch(/received immediate shutdown request/);
    },
    LONG_TEST_TIMEOUT_MS,
  );

  test(
    "a backend of the killed server that lingers keeps PostgreSQL from restarting; the server retries until it is gone",
    async () => {
      const { postmaster, children } = postgresProcesses(clusterDir);
      // Frozen, it cannot notice that its postmaster died, so it stays attached to the old shared
      // memory, and PostgreSQL refuses to start beside it: the worst case of a kill -9.
      held = children.find((child) => child.title.includes("checkpointer"))!.pid;
      process.kill(held, "SIGSTOP");
      process.kill(postmaster, "SIGKILL");

      const refusals = () => server.logs.filter((line) => line.msg === "embedded PostgreSQL did not restart; trying again");
      const deadline = Date.now() + RECOVERY_BOUND_MS;
      while (refusals().length < 2 && Date.now() < deadline) {
        const now = await observe(server, account.accessToken);
        expect(now.meMs).toBeLessThan(ANSWER_BOUND_MS);
        await sleep(100);
      }
      expect(JSON.stringify(refusals()[0])).toMatch(/pre-existing shared memory block .* is still in use/);
      expect(await observe(server, account.accessToken)).toMatchObject({
        me: "200 SERVICE_UNAVAILABLE",
        readyz: "503 database unreachable",
      });

      process.kill(held, "SIGCONT");
      held = undefined;
      const releasedAt = Date.now();
      let now = await observe(server, account.accessToken);
      while ((now.me !== "OK" || now.readyz !== "200") && Date.now() - releasedAt < RECOVERY_BOUND_MS) {
        await sleep(100);
        now = await observe(server, account.accessToken);
      }
      console.log(`lingering backend: healed ${Date.now() - releasedAt} ms after it was let go, after ${refusals().length} refused starts`);
      expect(now).toMatchObject({ me: "OK", readyz: "200" });
    },
    LONG_TEST_TIMEOUT_MS,
  );
});
