import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from './problem.js';

describe('database-unavailable errors', () => {
  it('reads restarts, refused and dropped connections as unavailable, and nothing else', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', '57P01', '57P02', '57P03', '08001', '08006'])
      expect(isDatabaseUnavailable(code, 'x'), code).toBe(true);
    expect(isDatabaseUnavailable(undefined, 'Connection terminated unexpectedly')).toBe(true);
    expect(
      isDatabaseUnavailable(undefined, 'Client has encountered a connection error and is not queryable'),
    ).toBe(true);
    for (const code of ['23505', '40001', '22P02', undefined])
      expect(isDatabaseUnavailable(code, 'duplicate key value'), String(code)).toBe(false);
  });
});
