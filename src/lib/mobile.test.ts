import { describe, expect, it } from 'vitest';
import { normalizeIranMobile, toLatinDigits } from './mobile.js';

describe('normalizeIranMobile', () => {
  it.each([
    ['09121234567', '+989121234567'],
    ['+989121234567', '+989121234567'],
    ['989121234567', '+989121234567'],
    ['00989121234567', '+989121234567'],
    ['9121234567', '+989121234567'],
    ['0912 123 4567', '+989121234567'],
    ['0912-123-4567', '+989121234567'],
    ['۰۹۱۲۱۲۳۴۵۶۷', '+989121234567'],
    ['٠٩١٢١٢٣٤٥٦٧', '+989121234567'],
    ['\u200F۰۹۳۵۱۲۳۴۵۶۷', '+989351234567'],
    ['09901234567', '+989901234567'],
  ])('normalises %s to %s', (input, expected) => {
    expect(normalizeIranMobile(input)).toBe(expected);
  });

  it.each([
    '',
    '0212345678',
    '02188776655',
    '0912123456',
    '091212345678',
    '+4915112345678',
    'abc',
    '08121234567',
  ])('rejects %s', (input) => {
    expect(normalizeIranMobile(input)).toBeNull();
  });
});

describe('toLatinDigits', () => {
  it('turns Persian and Arabic-Indic digits into Latin ones and keeps the rest', () => {
    expect(toLatinDigits('سفارش ۱۲۳ و ٤٥٦')).toBe('سفارش 123 و 456');
  });
});
