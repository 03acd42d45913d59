import crypto from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

/** Postgres catalog types that the engine cannot read: "char" (18) and name (19). */
const CATALOG_TEXT_OIDS = new Set([18, 19]);
const PG_TEXT_OID = 25;

/**
 * A pg.Pool for the Prisma *migration* adapter only.
 *
 * Prisma 6.19's JS schema engine cannot read columns of the Postgres catalog types `name` and
 * `"char"`, which its own catalog queries return ("Column type 'name' could not be deserialized",
 * prisma/orm#27403). Both are plain text on the wire, so reporting them as `text` is lossless.
 */
class NameAsTextPool extends pg.Pool {
  // pg's query() has many overloads; the adapter only uses the promise form, which is relabelled.
  override query(...args: unknown[]): never {
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    return (result instanceof Promise ? result.then(relabelNameColumns) : result) as never;
  }
}

function relabelNameColumns(result: unknown): unknown {
  for (const field of (result as pg.QueryResult | undefined)?.fields ?? []) {
    if (CATALOG_TEXT_OIDS.has(field.dataTypeID)) field.dataTypeID = PG_TEXT_OID;
  }
  return result;
}

/**
 * The driver adapter for the Prisma CLI (prisma.config.ts). Its shadow database, which
 * `migrate diff --from-migrations` replays the migrations into, gets the same fix; upstream's
 * shadow connection would use a plain pg.Pool.
 */
export class MigrationAdapterFactory extends PrismaPg {
  constructor(private readonly connectionString: string) {
    super(new NameAsTextPool({ connectionString, max: 2 }), { disposeExternalPool: true });
  }

  override async connectToShadowDb() {
    const database = `prisma_shadow_${crypto.randomUUID().replaceAll("-", "")}`;
    const admin = new pg.Client({ connectionString: this.connectionString });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${database}"`);
    const url = new URL(this.connectionString);
    url.pathname = `/${database}`;
    const shadow = await new PrismaPg(new NameAsTextPool({ connectionString: url.toString(), max: 2 }), {
      disposeExternalPool: true,
    }).connect();
    const disposeShadow = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await disposeShadow();
      await admin.query(`DROP DATABASE IF EXISTS "${database}"`);
      await admin.end();
    };
    return shadow;
  }
}
