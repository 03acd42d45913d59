// The two ceilings the API is measured against, each in a process of its own like the API:
//   node --import tsx bench/ceilingServer.ts http    a bare node:http server answering fixed JSON
//   node --import tsx bench/ceilingServer.ts apollo  a bare Apollo Server 5 with one constant resolver
// Prints {"port": N} on stdout once listening.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";

const FIXED_BODY = JSON.stringify({ data: { hello: "world" } });

async function main(): Promise<void> {
  const kind = process.argv[2];
  if (kind === "http") {
    const server = http.createServer((_request, response) => {
      response.setHeader("content-type", "application/json; charset=utf-8");
      response.end(FIXED_BODY);
    });
    server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })));
    return;
  }
  if (kind === "apollo") {
    const apollo = new ApolloServer({ typeDefs: "type Query { hello: String! }", resolvers: { Query: { hello: () => "world" } } });
    const { url } = await startStandaloneServer(apollo, { listen: { port: 0, host: "127.0.0.1" } });
    console.log(JSON.stringify({ port: Number(new URL(url).port) }));
    return;
  }
  throw new Error("usage: ceilingServer.ts http|apollo");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
