import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redact, staffOf } from '../../src/modules/staff/index.js';
import { BACKENDS, setupEnv, type TestClub, type TestEnv } from '../helpers.js';

describe('redact', () => {
  it('hides secrets by name and by shape, keeping everything else', () => {
    expect(
      redact({
        key: 'vafa_sk_abc',
        tierKey: 'gold',
        secret: 'whsec_x',
        nested: [{ smtpPassword: 'p', smsApiKey: 'k', isSecretSet: true, note: 'whsec_in_text' }],
        url: 'https://shop.example/h',
      }),
    ).toEqual({
      key: '[redacted]',
      tierKey: 'gold',
      secret: '[redacted]',
      nested: [
        { smtpPassword: '[redacted]', smsApiKey: '[redacted]', isSecretSet: true, note: '[redacted]' },
      ],
      url: 'https://shop.example/h',
    });
  });
});

describe.each(BACKENDS)('audit log on $name', ({ url }) => {
  let env: TestEnv;
  let club: TestClub;
  const PASSWORD = 'a long enough password';
  const sessions: Record<string, { cookie: string; csrf: string; id: string }> = {};

  beforeAll(async () => {
    env = await setupEnv(url);
    club = await env.newClub('Audited shop');
    for (const role of ['owner', 'marketer', 'support', 'analyst'] as const) {
      const email = `${role}-${club.clubId}@example.com`;
      const { user } = await staffOf(env.ctx).createUser({
        clubId: club.clubId,
        email,
        role,
        password: PASSWORD,
      });
      const res = await env.app.inject({
        method: 'POST',
        url: '/admin/api/session',
        payload: { email, password: PASSWORD },
      });
      sessions[role] = {
        cookie: String(res.headers['set-cookie']).split(';')[0]!,
        csrf: res.json().csrfToken,
        id: user.id,
      };
    }
    expect(
      (await club.call('PUT', '/v1/members/AU-1', { firstName: 'نگار', mobile: '09121110000' })).status,
    ).toBe(201);
  });
  afterAll(() => env?.close());

  async function as(
    role: string,
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
  ) {
    const s = sessions[role]!;
    const res = await env.app.inject({
      method,
      url: path,
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    return { status: res.statusCode, body: res.body ? res.json() : null };
  }

  const log = async (query = '') => {
    const res = await as('owner', 'GET', `/v1/audit-log${query}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as { items: any[]; nextCursor: string | null };
  };

  it('records a staff create and edit with who, what, when, before and after', async () => {
    const t0 = Date.now();
    const created = await as('marketer', 'POST', '/v1/rules', {
      name: 'خرید اول',
      priority: 7,
      kind: 'first_order',
      config: { points: 10 },
    });
    expect(created.status).toBe(201);
    const ruleId = created.body.id as string;
    const edited = await as('marketer', 'PUT', `/v1/rules/${ruleId}`, {
      name: 'خرید اول (ویژه)',
      priority: 7,
      kind: 'first_order',
      config: { points: 20 },
    });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    const { items } = await log(`?resource=${encodeURIComponent(`rules:${ruleId}`)}`);
    expect(items).toHaveLength(2);
    const [edit, create] = items;
    expect(create).toMatchObject({
      actor: { kind: 'staff', id: sessions.marketer!.id, label: `marketer-${club.clubId}@example.com` },
      method: 'POST',
      route: '/v1/rules',
      path: '/v1/rules',
      resource: { type: 'rules', id: ruleId },
      status: 201,
      before: null,
      after: { id: ruleId, name: 'خرید اول', config: { points: 10 } },
    });
    expect(edit).toMatchObject({
      method: 'PUT',
      route: '/v1/rules/:ruleId',
      resource: { type: 'rules', id: ruleId },
      status: 200,
      before: { id: ruleId, name: 'خرید اول', config: { points: 10 } },
      after: { id: ruleId, name: 'خرید اول (ویژه)', config: { points: 20 } },
    });
    expect(Date.parse(create.at)).toBeGreaterThanOrEqual(t0 - 1000);
    expect(Number(edit.id)).toBeGreaterThan(Number(create.id));
  });

  it('shows a manual adjustment as the balance before and after, and member edits as the profile', async () => {
    const adj = await as('support', 'POST', '/v1/members/AU-1/points/adjustments', {
      points: 50,
      reason: 'جبران',
    });
    expect(adj.status).toBe(201);
    const edit = await as('support', 'PUT', '/v1/members/AU-1', { city: 'شیراز' });
    expect(edit.status).toBe(200);
    const { items } = await log('?resource=members:AU-1');
    const [profile, points] = items;
    expect(points).toMatchObject({
      route: '/v1/members/:externalId/points/adjustments',
      before: { available: 0 },
      after: { available: 50 },
      actor: { kind: 'staff', id: sessions.support!.id },
    });
    expect(profile).toMatchObject({
      route: '/v1/members/:externalId',
      before: { externalId: 'AU-1', city: null },
      after: { externalId: 'AU-1', city: 'شیراز' },
    });
  });

  it("records an API key's configuration changes, not its orders, and never a secret", async () => {
    const before = (await log()).items.length;
    const patched = await club.call('PATCH', '/v1/club', { name: 'فروشگاه بازبینی' });
    expect(patched.status).toBe(200);
    const order = await club.call('POST', '/v1/orders', {
      externalId: 'AU-O-1',
      memberExternalId: 'AU-1',
      placedAt: new Date(Date.now() - 60_000).toISOString(),
      totalRials: 1_000_000,
      status: 'paid',
    });
    expect(order.status).toBe(201);
    const key = await club.call('POST', '/v1/api-keys', { name: 'second key' });
    expect(key.status).toBe(201);
    expect(key.body.key).toMatch(/^vafa_sk_/);
    const { items } = await log();
    expect(items.length - before).toBe(2);
    const [keyEntry, clubEntry] = items;
    expect(clubEntry).toMatchObject({
      actor: { kind: 'api_key' },
      route: '/v1/club',
      resource: { type: 'club', id: null },
      before: { name: 'Audited shop' },
      after: { name: 'فروشگاه بازبینی' },
    });
    expect(clubEntry.actor.label).toBeTruthy();
    expect(keyEntry.route).toBe('/v1/api-keys');
    expect(JSON.stringify(items)).not.toContain(key.body.key);
    // The key as the key list shows it: name and prefix, never the key.
    expect(keyEntry.after).toMatchObject({ name: 'second key' });
    // Filter by actor: the key's own id.
    const byKey = await log(`?actor=${encodeURIComponent(clubEntry.actor.id)}`);
    expect(byKey.items.every((i) => i.actor.id === clubEntry.actor.id)).toBe(true);
    // The key's member sync in the set-up is ingest, not configuration: not audited for keys.
    expect(byKey.items.map((i) => i.route)).toEqual(['/v1/api-keys', '/v1/club']);
  });

  it('keeps no entry for a refused write, and none for a dry run', async () => {
    const before = (await log()).items.length;
    expect(
      (
        await as('marketer', 'PUT', '/v1/rules/rul_nope', {
          name: 'x',
          priority: 1,
          kind: 'first_order',
          config: { points: 1 },
        })
      ).status,
    ).toBe(404);
    expect((await as('marketer', 'POST', '/v1/rules', { name: 'x' })).status).toBe(400);
    expect((await as('analyst', 'POST', '/v1/rules', { name: 'x' })).status).toBe(403);
    expect(
      (await as('owner', 'POST', '/v1/orders/simulate', { memberExternalId: 'AU-1', totalRials: 1000 }))
        .status,
    ).toBe(200);
    expect((await log()).items.length).toBe(before);
  });

  it('pages newest first with a cursor, filters by email, and is for owners only', async () => {
    const all = await log('?limit=200');
    const first = await log('?limit=2');
    expect(first.items.map((i) => i.id)).toEqual(all.items.slice(0, 2).map((i) => i.id));
    const second = await log(`?limit=2&cursor=${first.nextCursor}`);
    expect(second.items.map((i) => i.id)).toEqual(all.items.slice(2, 4).map((i) => i.id));
    const byEmail = await log(`?actor=${encodeURIComponent(`SUPPORT-${club.clubId}@example.com`)}`);
    expect(byEmail.items.length).toBe(2);
    expect((await as('owner', 'GET', '/v1/audit-log?cursor=nope')).body.code).toBe('validation_failed');
    expect((await as('owner', 'GET', '/v1/audit-log?resource=Bad Type')).status).toBe(400);
    for (const role of ['marketer', 'support', 'analyst']) {
      const res = await as(role, 'GET', '/v1/audit-log');
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('forbidden');
    }
  });

  it('writes the entry before the change runs, so a change is never without one', async () => {
    // While the handler runs, the entry is already there with no status yet.
    const seen: Array<number | null> = [];
    const probe = async () => {
      const { rows } = await env.db.query<{ status: number | null }>(
        `select status from staff_audit_log where club_id = $1 and route = '/v1/tier-settings' order by audit_no desc limit 1`,
        [club.clubId],
      );
      seen.push(rows[0] ? rows[0].status : -1);
    };
    // Probe as the service starts the write.
    const original = env.ctx.services.tiers.patchSettings.bind(env.ctx.services.tiers);
    (env.ctx.services.tiers as any).patchSettings = async (...args: unknown[]) => {
      await probe();
      return (original as any)(...args);
    };
    try {
      const res = await as('marketer', 'PATCH', '/v1/tier-settings', { measure: 'orders' });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    } finally {
      (env.ctx.services.tiers as any).patchSettings = original;
    }
    const { items } = await log('?resource=tier-settings');
    expect(items[0]).toMatchObject({ status: 200, after: { measure: 'orders' } });
    expect(seen).toEqual([null]);
  });
});
