import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createPortalModule, OTP_LIMITS } from '../../src/modules/portal/index.js';
import { MODULES } from '../../src/modules/registry.js';
import { BACKENDS, setupEnv, type TestClub, type TestEnv } from '../helpers.js';

const SECOND_DAYS = 1 / 86_400;

describe.each(BACKENDS)('member portal sign-in ($name)', ({ url }) => {
  let env: TestEnv;
  let club: TestClub;
  const smsDir = mkdtempSync(join(tmpdir(), 'vafa-portal-sms-'));
  const portal = createPortalModule({ smsLogDir: smsDir });
  let ip = 0;

  beforeAll(async () => {
    env = await setupEnv(url, { modules: [...MODULES, portal] });
    club = await env.newClub('باشگاه آزمایشی');
    for (const [id, mobile] of [
      ['p-1', '09121110001'],
      ['p-2', '09121110002'],
      ['p-3', '09121110003'],
      ['p-4', '09121110004'],
      ['p-5', '09121110005'],
    ] as const) {
      const res = await club.call('PUT', `/v1/members/${id}`, { firstName: 'سارا', mobile });
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    }
    await club.call('POST', `/v1/members/p-1/points/adjustments`, { points: 250, reason: 'خوش‌آمد' });
  });
  afterAll(async () => {
    await env?.close();
  });

  /** Each test asks from its own address unless told, so the per-address limit stays out of the way. */
  async function send(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    from?: string,
  ) {
    const res = await env.app.inject({
      method,
      url: path,
      headers,
      remoteAddress: from ?? `10.0.0.${++ip}`,
      ...(body === undefined ? {} : { payload: body as object }),
    });
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null, headers: res.headers };
  }

  function smsTo(mobileE164: string): string[] {
    const file = join(smsDir, 'messages.jsonl');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { to: string; text: string })
      .filter((m) => m.to === mobileE164)
      .map((m) => m.text);
  }
  const codeIn = (text: string) => /(\d{6})/.exec(text)?.[1] ?? '';

  it('signs a member in with the code of the SMS, once, into an httpOnly cookie', async () => {
    const asked = await send('POST', '/portal/api/otp', { clubId: club.clubId, mobile: '۰۹۱۲ ۱۱۱ ۰۰۰۱' });
    expect(asked.status, JSON.stringify(asked.body)).toBe(202);
    const texts = smsTo('+989121110001');
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain('باشگاه آزمایشی');
    const code = codeIn(texts[0]!);
    const signedIn = await send('POST', '/portal/api/session', {
      clubId: club.clubId,
      mobile: '09121110001',
      code,
    });
    expect(signedIn.status, JSON.stringify(signedIn.body)).toBe(200);
    expect(signedIn.body.member.externalId).toBe('p-1');
    const cookie = String(signedIn.headers['set-cookie']);
    expect(cookie).toMatch(/^vafa_member=[\w-]+; Path=\/portal; HttpOnly; SameSite=Strict/);
    const session = cookie.split(';')[0]!;
    const home = await send('GET', '/portal/api/me/home', undefined, { cookie: session });
    expect(home.status, JSON.stringify(home.body)).toBe(200);
    expect(home.body.balance.available).toBe(250);
    const history = await send('GET', '/portal/api/me/history', undefined, { cookie: session });
    expect(history.body.items[0]).toMatchObject({ reason: 'adjust_manual', available: 250, note: 'خوش‌آمد' });
    // A code opens one session only.
    const again = await send('POST', '/portal/api/session', {
      clubId: club.clubId,
      mobile: '09121110001',
      code,
    });
    expect(again.status).toBe(401);
    expect(again.body.code).toBe('otp_invalid');
    // Sign-out needs the CSRF token; then the cookie is dead.
    expect((await send('DELETE', '/portal/api/session', undefined, { cookie: session })).status).toBe(403);
    const out = await send('DELETE', '/portal/api/session', undefined, {
      cookie: session,
      'x-csrf-token': signedIn.body.csrfToken,
    });
    expect(out.status).toBe(204);
    expect((await send('GET', '/portal/api/me/home', undefined, { cookie: session })).status).toBe(401);
  });

  it('answers an unknown mobile the same, and sends it nothing', async () => {
    const res = await send('POST', '/portal/api/otp', { clubId: club.clubId, mobile: '09351234567' });
    expect(res.status).toBe(202);
    expect(smsTo('+989351234567')).toEqual([]);
    const guess = await send('POST', '/portal/api/session', {
      clubId: club.clubId,
      mobile: '09351234567',
      code: '123456',
    });
    expect(guess.body.code).toBe('otp_invalid');
  });

  it(`burns a code after ${OTP_LIMITS.maxAttempts} wrong tries, even for the right code after`, async () => {
    await send('POST', '/portal/api/otp', { clubId: club.clubId, mobile: '09121110002' });
    const code = codeIn(smsTo('+989121110002')[0]!);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let left = OTP_LIMITS.maxAttempts - 1; left >= 1; left--) {
      const r = await send('POST', '/portal/api/session', {
        clubId: club.clubId,
        mobile: '09121110002',
        code: wrong,
      });
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ code: 'otp_invalid', attemptsLeft: left });
    }
    const last = await send('POST', '/portal/api/session', {
      clubId: club.clubId,
      mobile: '09121110002',
      code: wrong,
    });
    expect(last.status).toBe(429);
    expect(last.body.code).toBe('otp_attempts_exceeded');
    const right = await send('POST', '/portal/api/session', {
      clubId: club.clubId,
      mobile: '09121110002',
      code,
    });
    expect(right.body.code).toBe('otp_attempts_exceeded');
  });

  it('refuses a code after five minutes', async () => {
    await send('POST', '/portal/api/otp', { clubId: club.clubId, mobile: '09121110003' });
    const code = codeIn(smsTo('+989121110003')[0]!);
    env.clock.advanceDays((OTP_LIMITS.ttlMs / 1000 + 1) * SECOND_DAYS);
    const r = await send('POST', '/portal/api/session', { clubId: club.clubId, mobile: '09121110003', code });
    expect(r.status).toBe(401);
    expect(r.body.code).toBe('otp_invalid');
  });

  it('limits codes per mobile (one a minute, five an hour) and per address', async () => {
    const ask = (from?: string, mobile = '09121110004') =>
      send('POST', '/portal/api/otp', { clubId: club.clubId, mobile }, {}, from);
    expect((await ask()).status).toBe(202);
    const soon = await ask();
    expect(soon.status).toBe(429);
    expect(soon.body.code).toBe('rate_limited');
    expect(Number(soon.headers['retry-after'])).toBeGreaterThan(0);
    for (let i = 1; i < OTP_LIMITS.perMobile; i++) {
      env.clock.advanceDays(61 * SECOND_DAYS);
      expect((await ask()).status).toBe(202);
    }
    env.clock.advanceDays(61 * SECOND_DAYS);
    expect((await ask()).status).toBe(429);
    expect(smsTo('+989121110004')).toHaveLength(OTP_LIMITS.perMobile);

    const office = '192.0.2.7';
    for (let i = 0; i < OTP_LIMITS.perIp; i++) {
      expect((await ask(office, `0912200${String(i).padStart(4, '0')}`)).status).toBe(202);
    }
    const over = await ask(office, '09122009999');
    expect(over.status).toBe(429);
  });

  it('names the field of a bad mobile or code, and writes nothing', async () => {
    const bad = await send('POST', '/portal/api/otp', { clubId: club.clubId, mobile: '12345' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('mobile');
    const badCode = await send('POST', '/portal/api/session', {
      clubId: club.clubId,
      mobile: '09121110005',
      code: '12ab',
    });
    expect(badCode.status).toBe(400);
    expect(badCode.body.errors[0].field).toBe('code');
  });

  it('never writes a code to the server log or the database, only to the development SMS provider', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const { app } = await buildApp({
      db: env.db,
      clock: env.clock.now,
      modules: [...MODULES, portal],
      logger: { level: 'trace', stream },
    });
    await app.ready();
    try {
      const asked = await app.inject({
        method: 'POST',
        url: '/portal/api/otp',
        payload: { clubId: club.clubId, mobile: '09121110005' },
        remoteAddress: '10.9.9.9',
      });
      expect(asked.statusCode).toBe(202);
      const code = codeIn(smsTo('+989121110005')[0]!);
      const wrong = code === '000000' ? '111111' : '000000';
      await app.inject({
        method: 'POST',
        url: '/portal/api/session',
        payload: { clubId: club.clubId, mobile: '09121110005', code: wrong },
      });
      const ok = await app.inject({
        method: 'POST',
        url: '/portal/api/session',
        payload: { clubId: club.clubId, mobile: '09121110005', code },
      });
      expect(ok.statusCode).toBe(200);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.join('\n')).not.toContain(code);
      const { rows } = await env.db.query<{ row: string }>(
        `select row_to_json(o)::text as row from portal_otps o where club_id = $1`,
        [club.clubId],
      );
      for (const r of rows) expect(r.row).not.toContain(`"${code}"`);
    } finally {
      await app.close();
    }
  });
});
