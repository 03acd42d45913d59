// Prisma CLI configuration. Prisma 6.19's JavaScript schema engine runs migrations through a
// driver adapter, so the CLI never downloads a native engine (see docs/architecture.md).
import path from "node:path";
import { defineConfig } from "prisma/config";
import { MigrationAdapterFactory } from "./src/db/migrationAdapter";

export default defineConfig({
  experimental: { adapter: true },
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  engine: "js",
  async adapter() {
    const connectionString = process.env.DATABASE_URL;
    if (!connectionString) {
      throw new Error(
        "DATABASE_URL is not set. Prisma CLI commands need it; `npm run db:migration` and the server set it for the embedded PostgreSQL.",
      );
    }
    return new MigrationAdapterFactory(connectionString);
  },
});
