import { describe, expect, it } from 'vitest';
import { MESSAGES, STRING_PARTS } from '../web/src/i18n.js';

describe('dashboard strings', () => {
  it('defines each key in one part only, and every key in both languages', () => {
    const seen = new Map<string, string>();
    const twice: string[] = [];
    for (const part of Object.keys(STRING_PARTS)) {
      for (const key of Object.keys(STRING_PARTS[part] ?? {})) {
        const first = seen.get(key);
        if (first) twice.push(`${key} (${first}, ${part})`);
        else seen.set(key, part);
      }
    }
    expect(twice).toEqual([]);
    expect(Object.keys(MESSAGES.en).sort()).toEqual(Object.keys(MESSAGES.fa).sort());
    for (const lang of ['fa', 'en'] as const) {
      const empty = Object.entries(MESSAGES[lang] as Record<string, string>).filter(
        ([, v]) => v.trim() === '',
      );
      expect(empty, lang).toEqual([]);
    }
  });
});
