import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { startChildServer, type ChildServer } from "../support/childServer";
import { graphql, LOGIN, ME, PASSWORD, signUp } from "../support/graphqlClient";
import { LONG_TEST_TIMEOUT_MS } from "../support/timeouts";
import { waitUntil } from "../support/waitUntil";

/**
 * Sends the headers of a GraphQL request and, once the server has taken the request up, the first
 * half of its body; returns the answer to come and a function that sends the rest. The request
 * says `Expect: 100-continue`, so the server's "100 Continue" tells that it is handling the
 * request: from then on it is in flight on the server, started but unable to finish.
 */
async function startRequest(url: string, body: string) {
  const request = http.request(url, {
    method: "POST",
    headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), expect: "100-continue" },
  });
  const response = new Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }>((resolve, reject) => {
    request.on("error", reject);
    request.on("response", (incoming) => {
      let text = "";
      incoming.on("data", (chunk: Buffer) => void (text += chunk.toString()));
      incoming.on("end", () => resolve({ status: incoming.statusCode!, headers: incoming.headers, text }));
      incoming.on("error", reject);
    });
  });
  const taken = new Promise<void>((resolve, reject) => {
    request.once("continue", resolve);
    request.once("error", reject);
  });
  request.flushHeaders();
  await taken;
  const half = Math.floor(body.length / 2);
  request.write(body.slice(0, half));
  return { response, finish: () => request.end(body.slice(half)) };
}

/** Resolves once the server no longer accepts connections. */
function refusingConnections(origin: string): Promise<void> {
  return waitUntil(
    () =>
      fetch(new URL("/healthz", origin)).then(
        () => false,
        () => true,
      ),
    "the server stops accepting connections",
  );
}

/**
 * What the server warned of once it was ready (pino's levels: 40 is warn, 50 error, 60 fatal).
 * From "ready", not from "shutting down": a PostgreSQL that got the signal too may drop the
 * pool's connections before the server has logged that it is stopping.
 */
function warningsIn(server: ChildServer) {
  const ready = server.logs.findIndex((line) => line.msg === "GraphQL API ready");
  expect(ready).toBeGreaterThan(-1);
  return server.logs.slice(ready).filter((line) => Number(line.level) >= 40);
}

describe("shutdown on SIGTERM or SIGINT, with the embedded PostgreSQL", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "auth-api-shutdown-"));
  const env = { DATABASE_URL: "", DATA_DIR: dataDir, MIGRATE_ON_START: "true" };
  let server: ChildServer | undefined;
  afterAll(async () => {
    await server?.stop("SIGKILL");
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test(
    "in-flight requests finish, PostgreSQL stops cleanly, and a restart has every row",
    async () => {
      server = await startChildServer({ ...env, SHUTDOWN_TIMEOUT: "20s" });
      const account = await signUp(server.url);
      const inFlight = await startRequest(
        server.url,
        JSON.stringify({ query: LOGIN.toString(), variables: { input: { email: account.user.email, password: PASSWORD } } }),
      );

      server.process.kill("SIGTERM");
      await refusingConnections(server.origin);
      inFlight.finish();
      const answer = await inFlight.response;
      expect(answer.status).toBe(200);
      expect(answer.headers.connection).toBe("close");
      const login = JSON.parse(answer.text) as { data: { login: { accessToken: string } } };
      expect(await server.exited).toBe(0);
      expect(server.logs.map((line) => line.msg)).toEqual(expect.arrayContaining(["embedded PostgreSQL stopped", "stopped"]));
      expect(warningsIn(server)).toEqual([]);
      // PostgreSQL removes its pid file only on a clean shutdown.
      expect(fs.existsSync(path.join(dataDir, "postgres", "postmaster.pid"))).toBe(false);

      server = await startChildServer(env);
      for (const token of [account.accessToken, login.data.login.accessToken]) {
        const me = await graphql(server.url, ME, undefined, { token });
        expect(me.data!.me.id).toBe(account.user.id);
      }
      expect(await server.stop("SIGINT")).toBe(0);
      expect(fs.existsSync(path.join(dataDir, "postgres", "postmaster.pid"))).toBe(false);
    },
    LONG_TEST_TIMEOUT_MS,
  );

  test(
    "Ctrl-C in a terminal stops the server, and PostgreSQL after it, with no warning",
    async () => {
      // The terminal's SIGINT goes to the server's whole process group. PostgreSQL runs in a group
      // of its own, so it is stopped by the server, last, after the pool's connections are closed.
      server = await startChildServer(env, { ownProcessGroup: true });
      await signUp(server.url); // the pool now holds idle connections
      expect(await server.interrupt()).toBe(0);
      expect(server.logs.map((line) => line.msg)).toEqual(expect.arrayContaining(["embedded PostgreSQL stopped", "stopped"]));
      expect(warningsIn(server)).toEqual([]);
      expect(fs.existsSync(path.join(dataDir, "postgres", "postmaster.pid"))).toBe(false);
    },
    LONG_TEST_TIMEOUT_MS,
  );

  test(
    "a request that does not finish within SHUTDOWN_TIMEOUT is cut, and the process still stops cleanly",
    async () => {
      server = await startChildServer({ ...env, SHUTDOWN_TIMEOUT: "1s" });
      const stuck = await startRequest(server.url, JSON.stringify({ query: "{ __typename }" }));
      server.process.kill("SIGTERM");
      await expect(stuck.response).rejects.toThrow(/socket hang up|ECONNRESET/);
      expect(await server.exited).toBe(0);
      expect(server.logs.map((line) => line.msg)).toContain("shutdown timeout: open requests were cut");
      expect(fs.existsSync(path.join(dataDir, "postgres", "postmaster.pid"))).toBe(false);
    },
    LONG_TEST_TIMEOUT_MS,
  );
});
