import WebSocket from "ws";
import type { ServerProcess } from "./serverProcess";

/** An answer of the inspector to one call. */
interface Answer {
  id?: number;
  result?: { result?: { value?: unknown } };
}

export interface HeapUsage {
  /** V8's heap in use, after a full garbage collection. */
  heapUsedMb: number;
  /** Memory held outside the heap by JavaScript objects (Buffers: sockets' read and write buffers). */
  externalMb: number;
}

/**
 * The heap of a server started with `node --inspect=127.0.0.1:0`, after a full garbage collection,
 * asked through its inspector (the Chrome DevTools protocol): RSS alone moves with whatever the
 * collector has not returned to the system yet.
 */
export async function heapAfterGc(server: ServerProcess): Promise<HeapUsage> {
  const debuggerUrl = /Debugger listening on (ws:\/\/\S+)/.exec(server.stderr())?.[1];
  if (!debuggerUrl) throw new Error("the server was not started with --inspect");
  const socket = new WebSocket(debuggerUrl);
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  let lastId = 0;
  const call = (method: string, params: object = {}) =>
    new Promise<Answer>((resolve) => {
      const id = ++lastId;
      const onMessage = (data: WebSocket.RawData) => {
        const message = JSON.parse((data as Buffer).toString("utf8")) as Answer;
        if (message.id !== id) return;
        socket.off("message", onMessage);
        resolve(message);
      };
      socket.on("message", onMessage);
      socket.send(JSON.stringify({ id, method, params }));
    });
  try {
    await call("HeapProfiler.collectGarbage");
    const answer = await call("Runtime.evaluate", { expression: "JSON.stringify(process.memoryUsage())", returnByValue: true });
    const usage = JSON.parse(String(answer.result?.result?.value)) as NodeJS.MemoryUsage;
    const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
    return { heapUsedMb: mb(usage.heapUsed), externalMb: mb(usage.external) };
  } finally {
    socket.close();
  }
}
