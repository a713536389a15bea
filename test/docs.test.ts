import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/errors.js';

describe('docs/errors.md', () => {
  const doc = fs.readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
  it.each(Object.entries(ERROR_CODES))('lists %s with HTTP %i', (code, status) => {
    const row = doc.split('\n').find((l) => l.includes(`\`${code}\``) && l.startsWith('|'));
    expect(row, `docs/errors.md has no row for ${code}`).toBeDefined();
    expect(row).toContain(`| ${status}`);
  });
});
