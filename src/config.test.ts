import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

/** Runs loadConfig and returns the ConfigError it throws (fails the test when it does not throw). */
function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('uses the documented defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: 3000,
      VAFA_DATA_DIR: './.vafa',
      VAFA_DB_POOL_MAX: 20,
      LOG_LEVEL: 'info',
      VAFA_BODY_LIMIT_BYTES: 1_048_576,
    });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.dataDir).toBe(path.resolve('./.vafa'));
  });

  it('reads every variable it knows, coercing numbers, and resolves the data directory', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      HOST: '0.0.0.0',
      PORT: '8080',
      DATABASE_URL: 'postgresql://vafa@db.internal:5433/vafa',
      VAFA_DATA_DIR: 'var/data',
      VAFA_DB_POOL_MAX: '50',
      LOG_LEVEL: 'debug',
      VAFA_BODY_LIMIT_BYTES: '2097152',
    });
    expect(config).toMatchObject({
      NODE_ENV: 'production',
      HOST: '0.0.0.0',
      PORT: 8080,
      DATABASE_URL: 'postgresql://vafa@db.internal:5433/vafa',
      VAFA_DB_POOL_MAX: 50,
      LOG_LEVEL: 'debug',
      VAFA_BODY_LIMIT_BYTES: 2_097_152,
    });
    expect(config.dataDir).toBe(path.resolve('var/data'));
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }).DATABASE_URL).toBe('postgres://u@h/db');
  });

  it('reports every invalid variable at once, each as `NAME: message`', () => {
    const problems = problemsOf({ PORT: 'abc', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' });
    expect(problems).toHaveLength(3);
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'PORT']);
    expect(problems.find((p) => p.startsWith('DATABASE_URL:'))).toContain('postgres://');
    const err = (() => {
      try {
        loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' });
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    // The message printed at start names all three, one per line.
    expect(err?.message.split('\n').filter((l) => /^\s+(PORT|DATABASE_URL|LOG_LEVEL):/.test(l))).toHaveLength(
      3,
    );
  });

  it.each([
    ['PORT', '65536'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['NODE_ENV', 'staging'],
    ['VAFA_DB_POOL_MAX', '0'],
    ['VAFA_DB_POOL_MAX', '201'],
    ['VAFA_BODY_LIMIT_BYTES', '1023'],
    ['VAFA_BODY_LIMIT_BYTES', String(64 * 1024 * 1024 + 1)],
    ['DATABASE_URL', 'localhost:5432/vafa'],
  ])('refuses %s=%s', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}: `));
  });

  it('treats empty strings as unset, so a blank line in a .env file means the default', () => {
    const config = loadConfig({
      PORT: '',
      HOST: '',
      DATABASE_URL: '',
      VAFA_DATA_DIR: '',
      VAFA_DB_POOL_MAX: '',
      LOG_LEVEL: '',
      VAFA_BODY_LIMIT_BYTES: '',
      NODE_ENV: '',
    });
    expect(config.PORT).toBe(3000);
    expect(config.HOST).toBe('127.0.0.1');
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.dataDir).toBe(path.resolve('./.vafa'));
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.VAFA_BODY_LIMIT_BYTES).toBe(1_048_576);
  });

  it('keeps only its own variables and returns a frozen object', () => {
    const config = loadConfig({ PATH: '/usr/bin', SECRET_TOKEN: 'x', PORT: '4000' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(config).not.toHaveProperty('PATH');
    expect(config).not.toHaveProperty('SECRET_TOKEN');
    expect(() => {
      (config as { PORT: number }).PORT = 1;
    }).toThrow(TypeError);
    expect(config.PORT).toBe(4000);
  });

  it('reads process.env by default', () => {
    const saved = process.env.PORT;
    process.env.PORT = '4321';
    try {
      expect(loadConfig().PORT).toBe(4321);
    } finally {
      if (saved === undefined) delete process.env.PORT;
      else process.env.PORT = saved;
    }
  });
});
