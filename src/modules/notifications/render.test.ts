import { describe, expect, it } from 'vitest';
import { quietUntil } from './quiet-hours.js';
import {
  allowedVariables,
  checkTemplate,
  formatDate,
  formatToman,
  renderTemplate,
  resolveVariables,
} from './render.js';

describe('checkTemplate', () => {
  it('accepts known variables and names each unknown one', () => {
    const allowed = allowedVariables('points.earned', 'sms')!;
    expect(checkTemplate('{{ firstName }} got {{points}}', allowed)).toEqual([]);
    expect(checkTemplate('{{firstName}} {{tierName}} {{x}}', allowed)[0]).toContain('{{tierName}}, {{x}}');
    expect(checkTemplate('{{unsubscribeUrl}}', allowed)).toHaveLength(1); // email only
    expect(checkTemplate('hi {{first name}}', allowed)[0]).toContain('not a {{variable}}');
  });
});

describe('renderTemplate', () => {
  it('escapes values for HTML but not the template itself', () => {
    expect(renderTemplate('<b>{{firstName}}</b>', { firstName: '<i>&"' }, true)).toBe(
      '<b>&lt;i&gt;&amp;&quot;</b>',
    );
    expect(renderTemplate('{{firstName}}!', { firstName: '<i>' })).toBe('<i>!');
  });
});

describe('formatting', () => {
  it('writes Toman in Persian digits and in English', () => {
    expect(formatToman(25_000_000, 'fa')).toBe('۲٬۵۰۰٬۰۰۰ تومان');
    expect(formatToman(25_000_000, 'en')).toBe('2,500,000 Toman');
  });
  it('writes the Jalali date in Tehran', () => {
    // 20:45 UTC on 2026-03-20 is already 21 March (1 Farvardin 1405) in Tehran.
    expect(formatDate(new Date('2026-03-20T20:45:00Z'), 'fa')).toBe('۱ فروردین ۱۴۰۵');
    expect(formatDate(new Date('2026-03-20T20:45:00Z'), 'en')).toBe('21 March 2026');
  });
  it('resolves payload variables by kind and leaves missing names empty', () => {
    const v = resolveVariables({
      eventType: 'order.status_changed',
      language: 'fa',
      payload: { to: 'shipped', externalId: 'O-1' },
      eventAt: new Date(),
      member: { firstName: 'زهرا', lastName: null },
      clubName: 'وفا',
      extra: {},
    });
    expect(v).toMatchObject({ status: 'ارسال‌شده', orderId: 'O-1', fullName: 'زهرا', lastName: '' });
  });
});

describe('quietUntil', () => {
  it('holds from 22:00 to 08:00 Tehran time (UTC+03:30), across midnight', () => {
    // 23:00 Tehran = 19:30 UTC: held until 08:00 Tehran = 04:30 UTC next day.
    expect(quietUntil(new Date('2026-05-01T19:30:00Z'), '22:00', '08:00')?.toISOString()).toBe(
      '2026-05-02T04:30:00.000Z',
    );
    // 07:59 Tehran: one more minute.
    expect(quietUntil(new Date('2026-05-02T04:29:00Z'), '22:00', '08:00')?.toISOString()).toBe(
      '2026-05-02T04:30:00.000Z',
    );
    expect(quietUntil(new Date('2026-05-02T04:30:00Z'), '22:00', '08:00')).toBeNull();
    expect(quietUntil(new Date('2026-05-02T12:00:00Z'), '22:00', '08:00')).toBeNull();
    expect(quietUntil(new Date('2026-05-02T12:00:00Z'), '00:00', '00:00')).toBeNull();
  });
});
