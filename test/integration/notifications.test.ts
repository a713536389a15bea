import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDispatcher,
  NotificationsService,
  notificationsModule,
} from '../../src/modules/notifications/index.js';
import { MODULES } from '../../src/modules/registry.js';
import { webhooksModule } from '../../src/modules/webhooks/index.js';
import { BACKENDS, setupEnv, type TestClub, type TestEnv } from '../helpers.js';

/** The registered modules (core now relies on some, e.g. tiers) plus these two, once each. */
const MY_MODULES = [
  ...MODULES.filter((m) => m.name !== 'webhooks' && m.name !== 'notifications'),
  webhooksModule,
  notificationsModule,
];

interface Mail {
  to: string[];
  raw: string;
}

/** A real SMTP server (smtp-server) that keeps every message it is given. */
async function startSmtp() {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A local SMS gateway in the Kavenegar style: POST /v1/{apiKey}/sms/send.json with receptor, sender, message. */
async function startSmsGateway(apiKey: string) {
  const sent: Array<{ receptor: string; sender: string; message: string }> = [];
  const state = { fail: false };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.url !== `/v1/${apiKey}/sms/send.json`) {
        res.statusCode = 403;
        res.end(JSON.stringify({ return: { status: 403, message: 'invalid api key' }, entries: null }));
        return;
      }
      if (state.fail) {
        res.statusCode = 502;
        res.end(JSON.stringify({ return: { status: 502, message: 'gateway down' }, entries: null }));
        return;
      }
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const m = {
        receptor: form.get('receptor')!,
        sender: form.get('sender')!,
        message: form.get('message')!,
      };
      sent.push(m);
      res.end(
        JSON.stringify({
          return: { status: 200, message: 'تایید شد' },
          entries: [{ messageid: 8792343 + sent.length, ...m, status: 1 }],
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    sent,
    state,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const tehranHhmm = (d: Date) =>
  new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Tehran',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(d);

describe.each(BACKENDS)('notifications on $name', ({ url }) => {
  let env: TestEnv;
  let club: TestClub;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let gateway: Awaited<ReturnType<typeof startSmsGateway>>;
  let messages: NotificationsService;
  let dispatch: () => Promise<unknown>;
  let logDir: string;
  let n = 0;
  const uid = (p: string) => `${p}-${Date.now().toString(36)}-${++n}`;
  const API_KEY = '4F6B5A2B3C-test-key-1234';
  const mobile = () => `0912${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;

  beforeAll(async () => {
    env = await setupEnv(url, { modules: MY_MODULES });
    club = await env.newClub('باشگاه وفا');
    smtp = await startSmtp();
    gateway = await startSmsGateway(API_KEY);
    logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vafa-msg-'));
    // The test clock runs days ahead of the database's now(), so the stale-event cut-off is widened.
    const opts = {
      timeoutMs: 2000,
      baseDelayMs: 1000,
      maxAttempts: 3,
      messageLogDir: logDir,
      maxEventAgeMs: 365 * 86_400_000,
    };
    messages = new NotificationsService(env.db, env.ctx.services, env.clock.now, opts);
    const dispatcher = createDispatcher(env.ctx, { notifications: opts });
    dispatch = () => dispatcher.dispatchDue();
    const settings = await club.call('PATCH', '/v1/notifications/settings', {
      quietHoursStart: '00:00',
      quietHoursEnd: '00:00',
      publicBaseUrl: 'https://club.example.ir',
      sms: { provider: 'http', baseUrl: gateway.baseUrl, apiKey: API_KEY, sender: '10004346' },
      email: {
        provider: 'smtp',
        host: '127.0.0.1',
        port: smtp.port,
        secure: false,
        from: 'club@example.ir',
        password: 'hunter2-secret',
      },
    });
    expect(settings.status, JSON.stringify(settings.body)).toBe(200);
    expect(JSON.stringify(settings.body)).not.toContain(API_KEY);
    expect(JSON.stringify(settings.body)).not.toContain('hunter2-secret');
    expect(settings.body.sms.apiKeyHint).toBe('…1234');
  });
  afterAll(async () => {
    await smtp?.close();
    await gateway?.close();
    await env?.close();
  });

  async function member(body: Record<string, unknown>) {
    const id = uid('C');
    const res = await club.call('PUT', `/v1/members/${id}`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return { ...res.body, id };
  }

  async function order(memberExternalId: string, totalRials = 2_500_000) {
    const externalId = uid('O');
    const res = await club.call('POST', '/v1/orders', {
      externalId,
      memberExternalId,
      placedAt: new Date(Date.now() - 3600_000).toISOString(),
      totalRials,
      status: 'placed',
    });
    expect(res.status).toBe(201);
    return externalId;
  }

  async function history(memberExternalId: string) {
    return (await club.call('GET', `/v1/members/${memberExternalId}/messages`)).body.items as Array<
      Record<string, any>
    >;
  }

  it('refuses a template with an unknown or malformed variable when it is saved', async () => {
    const unknown = await club.call('PUT', '/v1/notifications/templates/order.created/sms/fa', {
      body: '{{firstName}} عزیز، سطح شما {{tierNam}} است',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0]).toMatchObject({ field: 'body' });
    expect(unknown.body.errors[0].message).toContain('{{tierNam}}');
    const malformed = await club.call('PUT', '/v1/notifications/templates/order.created/sms/fa', {
      body: 'سلام {{ first name }}',
    });
    expect(malformed.status).toBe(400);
    const noSubject = await club.call('PUT', '/v1/notifications/templates/order.created/email/fa', {
      body: 'x',
    });
    expect(noSubject.body.errors[0].field).toBe('subject');
    const badType = await club.call('PUT', '/v1/notifications/templates/order.teleported/sms/fa', {
      body: 'x',
    });
    expect(badType.body.errors[0].field).toBe('eventType');
    // Tier templates may use {{tierName}}: the variable belongs to that event.
    const tier = await club.call('PUT', '/v1/notifications/templates/tier.changed/sms/en', {
      body: 'Welcome to {{tierName}}, {{firstName}}!',
    });
    expect(tier.status).toBe(201);
  });

  it('lists the template events with the variables each channel may use, as saving checks them', async () => {
    const res = await club.call('GET', '/v1/notifications/events');
    expect(res.status).toBe(200);
    const items = res.body.items as Array<{
      eventType: string;
      variables: { sms: string[]; email: string[] };
    }>;
    const tier = items.find((i) => i.eventType === 'tier.changed');
    expect(tier?.variables.sms).toContain('tierName');
    expect(tier?.variables.sms).toContain('stopKeyword');
    expect(tier?.variables.email).toContain('unsubscribeUrl');
    expect(tier?.variables.email).not.toContain('stopKeyword');
    // Every listed variable is accepted by the save that checks them.
    const body = tier!.variables.sms.map((v) => `{{${v}}}`).join(' ');
    expect(
      (await club.call('PUT', '/v1/notifications/templates/tier.changed/sms/fa', { body })).status,
    ).toBeLessThan(300);
    expect(items.some((i) => i.eventType === 'order.teleported')).toBe(false);
  });

  it('previews in Persian (Persian digits, Toman, Jalali date) and in English', async () => {
    const fa = await club.call('POST', '/v1/notifications/templates/preview', {
      eventType: 'order.created',
      channel: 'sms',
      language: 'fa',
      body: '{{firstName}} عزیز، سفارش {{orderId}} به مبلغ {{total}} در {{date}} ثبت شد.',
      data: { totalRials: 2_500_000, externalId: 'O-77' },
    });
    expect(fa.status, JSON.stringify(fa.body)).toBe(200);
    expect(fa.body.body).toContain('زهرا عزیز، سفارش O-77 به مبلغ ۲۵۰٬۰۰۰ تومان');
    expect(fa.body.body).toMatch(/[۰-۹]{4}/); // a Jalali year in Persian digits (۱۴۰۵)
    expect(fa.body.body).toMatch(/\nلغو ارسال: لغو$/);
    const en = await club.call('POST', '/v1/notifications/templates/preview', {
      eventType: 'order.created',
      channel: 'email',
      language: 'en',
      subject: 'Order {{orderId}}',
      body: '<p>Dear {{firstName}}, your order of {{total}} is in.</p>',
      data: { totalRials: 2_500_000, externalId: '<O-78>' },
    });
    expect(en.body.subject).toBe('Order <O-78>');
    expect(en.body.body).toContain('Dear Sara, your order of 250,000 Toman is in.');
    expect(en.body.body).toContain('https://club.example.ir/unsubscribe/');
    expect(en.body.text).toContain('Unsubscribe: https://club.example.ir/unsubscribe/');
  });

  it('sends SMS and email in each member’s language, only with consent, and shows the history to staff', async () => {
    for (const [channel, language, body, subject] of [
      ['sms', 'fa', '{{firstName}} عزیز، سفارش {{orderId}} به مبلغ {{total}} در {{clubName}} ثبت شد.', null],
      ['sms', 'en', 'Dear {{firstName}}, order {{orderId}} of {{total}} is in.', null],
      ['email', 'fa', '<p>{{firstName}} عزیز، سفارش شما به مبلغ {{total}} ثبت شد.</p>', 'سفارش {{orderId}}'],
    ] as const) {
      const res = await club.call('PUT', `/v1/notifications/templates/order.created/${channel}/${language}`, {
        body,
        ...(subject ? { subject } : {}),
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const zahra = await member({
      firstName: 'زهرا',
      mobile: mobile(),
      email: 'zahra@example.ir',
      consentSms: true,
      consentEmail: true,
    });
    const sara = await member({
      firstName: '<Sara>',
      mobile: mobile(),
      consentSms: true,
      attributes: { language: 'en' },
    });
    const silent = await member({ firstName: 'Reza', mobile: mobile(), email: 'reza@example.ir' });
    const oz = await order(zahra.id);
    await order(sara.id, 1_234_560);
    await order(silent.id);
    await dispatch();
    const stats = await messages.sendDue();
    expect(stats.sent).toBe(3);

    const toZahra = gateway.sent.find((s) => s.receptor === `0${zahra.mobile.slice(3)}`)!;
    expect(toZahra.sender).toBe('10004346');
    expect(toZahra.message).toBe(
      `زهرا عزیز، سفارش ${oz} به مبلغ ۲۵۰٬۰۰۰ تومان در باشگاه وفا ثبت شد.\nلغو ارسال: لغو`,
    );
    const toSara = gateway.sent.find((s) => s.receptor === `0${sara.mobile.slice(3)}`)!;
    expect(toSara.message).toMatch(/^Dear <Sara>, order O-.* of 123,456 Toman is in\.\nTo stop: لغو$/);
    expect(gateway.sent.some((s) => s.receptor === `0${silent.mobile.slice(3)}`)).toBe(false);

    const mail = smtp.mails.find((m) => m.to.includes('zahra@example.ir'))!;
    expect(mail).toBeDefined();
    expect(mail.raw.replace(/\r?\n[ \t]+/g, ' ')).toMatch(
      /List-Unsubscribe: <https:\/\/club\.example\.ir\/unsubscribe\//,
    );
    expect(smtp.mails.some((m) => m.to.includes('reza@example.ir'))).toBe(false);

    const zh = await history(zahra.id);
    expect(zh.map((m) => [m.channel, m.status, m.language]).sort()).toEqual([
      ['email', 'sent', 'fa'],
      ['sms', 'sent', 'fa'],
    ]);
    expect(zh.find((m) => m.channel === 'email')!.body).toContain('۲۵۰٬۰۰۰ تومان');
    expect(zh.find((m) => m.channel === 'email')!.subject).toBe(`سفارش ${oz}`);
    const rh = await history(silent.id);
    expect(rh.map((m) => [m.channel, m.status, m.skipReason]).sort()).toEqual([
      ['email', 'skipped', 'no_consent'],
      ['sms', 'skipped', 'no_consent'],
    ]);
    // The email body escapes member data: Sara has no email, but her SMS is plain text, as sent.
    expect((await history(sara.id)).find((x) => x.channel === 'sms')!.body).toContain('<Sara>');
  });

  it('holds SMS during quiet hours (Tehran time) and sends them when the window ends', async () => {
    const now = env.clock.now();
    const start = tehranHhmm(new Date(now.getTime() - 3600_000));
    const end = tehranHhmm(new Date(now.getTime() + 3600_000));
    await club.call('PATCH', '/v1/notifications/settings', { quietHoursStart: start, quietHoursEnd: end });
    const m = await member({ firstName: 'Ali', mobile: mobile(), consentSms: true });
    await order(m.id);
    await dispatch();
    const before = gateway.sent.length;
    expect((await messages.sendDue()).held).toBe(1);
    const held = (await history(m.id)).find((x) => x.channel === 'sms');
    expect(held).toMatchObject({ status: 'pending', attempts: 0 });
    expect(tehranHhmm(new Date(held!.heldUntil))).toBe(end);
    expect(gateway.sent.length).toBe(before);
    env.clock.advanceDays(61 / 1440);
    expect((await messages.sendDue()).sent).toBe(1);
    expect((await history(m.id)).find((x) => x.channel === 'sms')).toMatchObject({
      status: 'sent',
      heldUntil: null,
    });
    await club.call('PATCH', '/v1/notifications/settings', {
      quietHoursStart: '00:00',
      quietHoursEnd: '00:00',
    });
    const defaults = await env.newClub('Defaults');
    expect((await defaults.call('GET', '/v1/notifications/settings')).body).toMatchObject({
      quietHoursStart: '22:00',
      quietHoursEnd: '08:00',
      sms: { provider: 'log' },
    });
  });

  it('stops SMS when the member texts the stop keyword, and email through the unsubscribe link', async () => {
    const phone = mobile();
    const m = await member({
      firstName: 'Mina',
      mobile: phone,
      email: `mina${n}@example.ir`,
      consentSms: true,
      consentEmail: true,
    });
    await order(m.id);
    await dispatch();
    await messages.sendDue();
    const email = (await history(m.id)).find((x) => x.channel === 'email')!;
    const link = /href="https:\/\/club\.example\.ir(\/unsubscribe\/[^"]+)"/.exec(email.body)![1]!;
    const forged = await env.app.inject({
      method: 'GET',
      url: link.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
    });
    expect(forged.statusCode).toBe(404);
    const unsub = await env.app.inject({ method: 'GET', url: link });
    expect(unsub.statusCode).toBe(200);
    const notStop = await club.call('POST', '/v1/notifications/sms/inbound', { from: phone, text: 'سلام' });
    expect(notStop.body.unsubscribed).toBe(false);
    const stop = await club.call('POST', '/v1/notifications/sms/inbound', {
      from: `+98${phone.slice(1)}`,
      text: ' لغو ',
    });
    expect(stop.body.unsubscribed).toBe(true);
    expect((await club.call('GET', `/v1/members/${m.id}`)).body).toMatchObject({
      consentSms: false,
      consentEmail: false,
    });
    await order(m.id);
    await dispatch();
    await messages.sendDue();
    const latest = (await history(m.id)).filter((x) => x.status === 'skipped');
    expect(latest.map((x) => x.skipReason)).toEqual(['no_consent', 'no_consent']);
  });

  it('retries a failing SMS gateway with backoff, dead-letters, and sends on manual retry', async () => {
    const m = await member({ firstName: 'Sina', mobile: mobile(), consentSms: true });
    await order(m.id);
    await dispatch();
    gateway.state.fail = true;
    for (let i = 0; i < 3; i++) {
      await messages.sendDue();
      env.clock.advanceDays(1);
    }
    const dead = (await history(m.id)).find((x) => x.channel === 'sms');
    expect(dead).toMatchObject({ status: 'dead', attempts: 3 });
    expect(dead!.lastError).toContain('502');
    expect(dead!.lastError).not.toContain(API_KEY);
    gateway.state.fail = false;
    const retried = await club.call('POST', `/v1/notifications/messages/${dead!.id}/retry`);
    expect(retried.body.status).toBe('pending');
    expect((await messages.sendDue()).sent).toBe(1);
  });

  it('writes to the development log provider when no gateway is configured', async () => {
    const dev = await env.newClub('Dev club');
    await dev.call('PUT', '/v1/notifications/templates/member.created/sms/fa', {
      body: 'خوش آمدید {{firstName}}',
    });
    await dev.call('PUT', `/v1/members/${uid('C')}`, {
      firstName: 'Dana',
      mobile: mobile(),
      consentSms: true,
    });
    await dev.call('PATCH', '/v1/notifications/settings', {
      quietHoursStart: '00:00',
      quietHoursEnd: '00:00',
    });
    await dispatch();
    await messages.sendDue();
    const lines = fs
      .readFileSync(path.join(logDir, 'messages.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.some((l) => l.channel === 'sms' && l.text.startsWith('خوش آمدید Dana'))).toBe(true);
  });
});
