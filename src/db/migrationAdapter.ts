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

type Adapter = Awaited<ReturnType<PrismaPg["connect"]>>;

/**
 * adapter-pg 6.19 runs a migration script by splitting it at every ";" and sending the pieces
 * one by one, which cuts a function body such as `$$ BEGIN ...; END $$` apart (the
 * auth_change_notifications migration has one). PostgreSQL itself accepts a whole script as one
 * simple query, and runs it as one implicit transaction: all of it applies or none does, as
 * with Prisma's native engine.
 */
function runScriptsWhole(adapter: Adapter, pool: pg.Pool): Adapter {
  adapter.executeScript = async (script: string) => {
    try {
      await pool.query(script);
    } catch (error) {
      (adapter as unknown as { onError(error: unknown): never }).onError(error);
    }
  };
  return adapter;
}

/**
 * The driver adapter for the Prisma CLI (prisma.config.ts). Its shadow database, which
 * `migrate diff --from-migrations` replays the migrations into, gets the same fixes; upstream's
 * shadow connection would use a plain pg.Pool.
 */
export class MigrationAdapterFactory extends PrismaPg {
  private readonly pool: pg.Pool;

  constructor(private readonly connectionString: string) {
    const pool = new NameAsTextPool({ connectionString, max: 2 });
    super(pool, { disposeExternalPool: true });
    this.pool = pool;
  }

  override async connect() {
    return runScriptsWhole(await super.connect(), this.pool);
  }

  override async connectToShadowDb() {
    const database = `prisma_shadow_${crypto.randomUUID().replaceAll("-", "")}`;
    const admin = new pg.Client({ connectionString: this.connectionString });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${database}"`);
    const url = new URL(this.connectionString);
    url.pathname = `/${database}`;
    const shadowPool = new NameAsTextPool({ connectionString: url.toString(), max: 2 });
    const shadow = runScriptsWhole(await new PrismaPg(shadowPool, { disposeExternalPool: true }).connect(), shadowPool);
    const disposeShadow = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await disposeShadow();
      await admin.query(`DROP DATABASE IF EXISTS "${database}"`);
      await admin.end();
    };
    return shadow;
  }
}
