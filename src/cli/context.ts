import { loadConfig, type TConfig } from '../config.js';
import { type Db, openDb } from '../db/db.js';
import { migrate } from '../db/migrations.js';
import { moduleMigrations } from '../modules/registry.js';

/** Opens the configured database (migrated) for a CLI command; the caller closes it. */
export async function openConfiguredDb(
  config: TConfig = loadConfig(),
  lockInfo: Record<string, unknown> = {},
  opts: { migrate?: boolean } = {},
): Promise<Db> {
  const db = await openDb({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.dataDir,
    poolMax: config.VAFA_DB_POOL_MAX,
    lockInfo: { command: process.argv.slice(2).join(' '), ...lockInfo },
  });
  if (opts.migrate === false) return db;
  try {
    await migrate(db, moduleMigrations());
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

export function describeDb(config: TConfig): string {
  if (!config.DATABASE_URL) return `embedded PostgreSQL (PGlite) in ${config.dataDir}`;
  const url = new URL(config.DATABASE_URL);
  return `PostgreSQL at ${url.hostname}:${url.port || 5432}${url.pathname}`;
}
