import http from "node:http";

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/**
 * One request with exactly the headers given, in order, duplicates included (fetch() would merge
 * them). Host and Content-Length are added; everything else is up to the caller.
 */
export function rawRequest(
  url: string,
  method: string,
  headers: Array<[string, string]>,
  body: string | Buffer = "",
): Promise<RawResponse> {
  const target = new URL(url);
  const allHeaders: Array<[string, string]> = [["host", target.host], ["content-length", String(Buffer.byteLength(body))], ...headers];
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: target.hostname, port: target.port, path: target.pathname + target.search, method, headers: allHeaders.flat() },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (text += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}
