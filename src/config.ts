import path from 'node:path';
import { z } from 'zod';

/**
 * The process configuration, parsed once from the environment at start.
 * Every invalid variable is reported at once (`NAME: message`) and the result is frozen,
 * so nothing later can read `process.env` behind its back.
 */
/** A whole decimal number written plainly: "8080", not " ", "0x1F90" or "1e1" (which Number() accepts). */
const ZInt = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const ZConfig = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: ZInt(0, 65535).default(3000),
  /** When set, Vafa runs on this PostgreSQL server instead of the embedded PGlite. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /** Where the embedded database keeps its files. */
  VAFA_DATA_DIR: z.string().min(1).default('./.vafa'),
  /** Connections in the PostgreSQL pool (ignored on PGlite, which has one). */
  VAFA_DB_POOL_MAX: ZInt(1, 200).default(20),
  /** When set, GET /metrics asks for `Authorization: Bearer <token>`. */
  VAFA_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Largest request body accepted on ordinary routes; batch routes allow 8× this. */
  VAFA_BODY_LIMIT_BYTES: ZInt(1024, 64 * 1024 * 1024).default(1024 * 1024),
  /**
   * Sustained /v1 requests per second per API key (and per staff user); 0 turns the limit off. A batch
   * counts once. 300/s is above what one process takes in single orders (docs/performance.md), so the
   * default stops a runaway client, not a shop's sale-day peak; lower it per deployment as needed.
   */
  VAFA_RATE_LIMIT_PER_SECOND: ZInt(0, 100_000).default(300),
  /** Requests a key may send at once before the sustained rate applies (a sale's first minute). */
  VAFA_RATE_LIMIT_BURST: ZInt(1, 1_000_000).default(3000),
  /**
   * Sustained requests per second per client address on the public routes (staff sign-in, portal,
   * survey and unsubscribe links) and for failed /v1 authentication; 0 turns it off.
   */
  VAFA_IP_RATE_LIMIT_PER_SECOND: ZInt(0, 100_000).default(5),
  /** Bucket size per client address: a page load of the portal makes a dozen calls at once. */
  VAFA_IP_RATE_LIMIT_BURST: ZInt(1, 1_000_000).default(100),
});

export type TConfig = Readonly<z.infer<typeof ZConfig>> & { readonly dataDir: string };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): TConfig {
  // Empty strings are treated as unset: a blank `DATABASE_URL=` in a .env file means "embedded".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ZConfig.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  return Object.freeze({ ...parsed.data, dataDir: path.resolve(parsed.data.VAFA_DATA_DIR) });
}
