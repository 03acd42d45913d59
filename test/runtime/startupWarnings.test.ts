import { captureLogs } from "../support/capturedLogs";
import { startTestServer } from "../support/testServer";

// What an operator reads in the log when a production server starts without something it needs.
describe("start-up warnings", () => {
  const warningsOf = async (env: Record<string, string>) => {
    const logs = captureLogs("warn");
    const app = await startTestServer(env, undefined, logs.logger);
    await app.stop();
    return logs.lines().map((line) => line.msg);
  };
  const NO_SMTP = "SMTP_URL is not set: account mail is written to files, not sent";

  test("production without SMTP_URL says that account mail is not sent", async () => {
    expect(await warningsOf({ NODE_ENV: "production" })).toContain(NO_SMTP);
  });

  test("production with SMTP_URL, and development without it, say nothing of the kind", async () => {
    expect(await warningsOf({ NODE_ENV: "production", SMTP_URL: "smtp://127.0.0.1:2525" })).not.toContain(NO_SMTP);
    expect(await warningsOf({ NODE_ENV: "development" })).not.toContain(NO_SMTP);
  });
});
