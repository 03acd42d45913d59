import fs from "node:fs";

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { testDatabase?: { stop(): Promise<void> } }).testDatabase?.stop();
  if (process.env.TEST_DATA_DIR) fs.rmSync(process.env.TEST_DATA_DIR, { recursive: true, force: true });
}
