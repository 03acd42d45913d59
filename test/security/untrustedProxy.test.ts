import type { RunningApp } from "../../src/app";
import { captureLogs } from "../support/capturedLogs";
import { graphql, ME } from "../support/graphqlClient";
import { startTestServer } from "../support/testServer";

/** Lines that warn of a proxy the API does not trust (the tests' client calls from 127.0.0.1). */
const proxyWarnings = (lines: Array<Record<string, unknown>>) => lines.filter((line) => String(line.msg).includes("TRUST_PROXY_HOPS"));

describe("X-Forwarded-For from a local address while TRUST_PROXY_HOPS is unset", () => {
  const untrusting = captureLogs("info");
  const trusting = captureLogs("info");
  let apps: RunningApp[] = [];
  beforeAll(async () => {
    apps = [await startTestServer({ TRUST_PROXY_HOPS: "" }, undefined, untrusting.logger)];
    apps.push(await startTestServer({ TRUST_PROXY_HOPS: "1" }, undefined, trusting.logger));
  });
  afterAll(() => Promise.all(apps.map((app) => app.stop())));

  test("is logged once as a warning naming TRUST_PROXY_HOPS; without the header, or with the setting, nothing is", async () => {
    const [app, behindProxy] = apps as [RunningApp, RunningApp];
    await graphql(app.url, ME);
    expect(proxyWarnings(untrusting.lines())).toEqual([]);

    for (let i = 0; i < 3; i++) await graphql(app.url, ME, undefined, { headers: { "x-forwarded-for": `203.0.113.${i + 1}` } });
    expect(proxyWarnings(untrusting.lines())).toEqual([
      expect.objectContaining({ level: 40, peer: expect.stringMatching(/127\.0\.0\.1$/) as unknown }),
    ]);

    await graphql(behindProxy.url, ME, undefined, { headers: { "x-forwarded-for": "203.0.113.9" } });
    expect(proxyWarnings(trusting.lines())).toEqual([]);
  });
});
