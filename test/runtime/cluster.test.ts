import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { startChildServer, type ChildServer } from "../support/childServer";
import { graphql, LOGOUT, ME, signUp } from "../support/graphqlClient";
import { LONG_TEST_TIMEOUT_MS } from "../support/timeouts";
import { waitUntil } from "../support/waitUntil";

/** One request on a connection of its own, so that the cluster may hand it to any worker. */
function healthzOnNewConnection(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(new URL("/healthz", url), { agent: false }, (response) => {
        response.resume();
        response.on("end", () => resolve(String(response.headers["x-request-id"])));
      })
      .on("error", reject);
  });
}

describe("WEB_CONCURRENCY=2 with the embedded PostgreSQL", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "auth-api-cluster-"));
  let server: ChildServer | undefined;
  afterAll(async () => {
    await server?.stop("SIGKILL");
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test(
    "one PostgreSQL, two workers sharing the port and each other's revocations, and an orderly stop",
    async () => {
      server = await startChildServer({
        WEB_CONCURRENCY: "2",
        DATABASE_URL: "",
        DATA_DIR: dataDir,
        MIGRATE_ON_START: "true",
        LOG_LEVEL: "debug",
      });
      expect(server.logs.find((line) => line.msg === "GraphQL API ready")).toMatchObject({ workers: 2 });

      // Connections are spread over the workers; the request log says which worker answered.
      const requestIds = await Promise.all(Array.from({ length: 20 }, () => healthzOnNewConnection(server!.url)));
      // The log lines follow the answers.
      const linesOf = () => server!.logs.filter((line) => line.msg === "request" && requestIds.includes(String(line.requestId)));
      await waitUntil(() => linesOf().length === requestIds.length, "every request is logged");
      const workers = new Set(linesOf().map((line) => line.worker));
      expect(workers).toEqual(new Set([1, 2]));

      // Whichever worker answers, a logout is honoured at once by both.
      const account = await signUp(server.url);
      for (let i = 0; i < 4; i++) expect((await graphql(server.url, ME, undefined, { token: account.accessToken })).errors).toBeUndefined();
      expect((await graphql(server.url, LOGOUT, undefined, { token: account.accessToken })).data).toEqual({ logout: true });
      for (let i = 0; i < 4; i++) {
        const me = await graphql(server.url, ME, undefined, { token: account.accessToken });
        expect(me.errors?.[0]?.extensions).toEqual({ code: "UNAUTHENTICATED", reason: "SESSION_ENDED" });
      }

      expect(await server.stop("SIGTERM")).toBe(0);
      // The database goes only after both workers have drained and stopped.
      const events = server.logs.map((line) => `${typeof line.worker === "number" ? line.worker : "primary"}: ${String(line.msg)}`);
      const postgresStopped = events.indexOf("primary: embedded PostgreSQL stopped");
      expect(events.indexOf("1: stopped")).toBeGreaterThanOrEqual(0);
      expect(events.indexOf("2: stopped")).toBeGreaterThanOrEqual(0);
      expect(postgresStopped).toBeGreaterThan(events.indexOf("1: stopped"));
      expect(postgresStopped).toBeGreaterThan(events.indexOf("2: stopped"));
      expect(events).toContain("primary: stopped");
      expect(fs.existsSync(path.join(dataDir, "postgres", "postmaster.pid"))).toBe(false);
    },
    LONG_TEST_TIMEOUT_MS,
  );
});
