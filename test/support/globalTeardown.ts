export default async function globalTeardown(): Promise<void> {
  await (globalThis as { testDatabase?: { stop(): Promise<void> } }).testDatabase?.stop();
}
