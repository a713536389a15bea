import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditReport, auditClub, formatAuditReport } from '../../src/cli/audit.js';
import { BACKENDS, setupEnv, type TestClub, type TestEnv } from '../helpers.js';

const MONTH_MS = 30 * 86_400_000;

/**
 * The auditor finds planted corruption, one kind at a time, and nothing else: a club with tiers, orders,
 * a return and a points campaign audits clean; then each corruption is planted, found, and undone.
 */
describe.each(BACKENDS)('vafa audit finds planted corruption ($name)', ({ url }) => {
  let env: TestEnv;
  let club: TestClub;
  const ids = new Map<string, string>(); // external id → member id
  let campaignId = '';
  let tierIds: Record<string, string> = {};

  const audit = (now?: Date) => auditClub(env.db, club.clubId, now);
  const kinds = (r: AuditReport) =>
    [
      ...(r.ledger.total === 0 ? [] : ['ledger_total']),
      ...r.ledger.mismatches.map((m) => `balance ${m.account_id}`),
      ...r.tiers.differences.map((d) => `tier ${d.kind} ${d.externalId}`),
      ...r.campaigns.differences.map((d) => `campaign ${d.kind}${d.memberId ? ` ${d.memberId}` : ''}`),
    ].sort();

  beforeAll(async () => {
    env = await setupEnv(url);
    club = await env.newClub('Audit');
    const put = await club.call('PUT', '/v1/tiers', {
      tiers: [
        { key: 'bronze', name: { fa: 'برنزی', en: 'Bronze' }, threshold: 0 },
        { key: 'silver', name: { fa: 'نقره‌ای', en: 'Silver' }, threshold: 10_000_000 },
        { key: 'gold', name: { fa: 'طلایی', en: 'Gold' }, threshold: 50_000_000 },
      ],
    });
    expect(put.status).toBe(200);
    tierIds = Object.fromEntries(
      (
        await env.db.query<{ tier_key: string; tier_id: string }>(
          'select tier_key, tier_id from tiers where club_id = $1',
          [club.clubId],
        )
      ).rows.map((r) => [r.tier_key, r.tier_id]),
    );
    // A-0 bronze, A-1 silver, A-2 gold, A-3 gold then a return that takes it below gold (kept until review).
    const spend = [2_000_000, 20_000_000, 60_000_000, 60_000_000];
    for (const [i, total] of spend.entries()) {
      const ext = `A-${i}`;
      expect((await club.call('PUT', `/v1/members/${ext}`, { firstName: `عضو ${i}` })).status).toBe(201);
      const o = await club.call('POST', '/v1/orders', {
        externalId: `AO-${i}`,
        memberExternalId: ext,
        placedAt: new Date(Date.now() - 3600_000).toISOString(),
        totalRials: total,
        status: 'paid',
        lines: [{ sku: 'SKU-1', category: 'کتاب', quantity: 1, unitPriceRials: total }],
      });
      expect(o.status).toBe(201);
      const { rows } = await env.db.query<{ member_id: string }>(
        'select member_id from members where club_id = $1 and external_id = $2',
        [club.clubId, ext],
      );
      ids.set(ext, rows[0]!.member_id);
    }
    const ret = await club.call('POST', '/v1/orders/AO-3/returns', {
      externalId: 'AR-3',
      amountRials: 30_000_000,
    });
    expect(ret.status).toBe(201);
    const c = await club.call('POST', '/v1/campaigns', {
      name: 'هدیهٔ وفاداری',
      startsAt: new Date(Date.now() - 3600_000).toISOString(),
      endsAt: new Date(Date.now() + MONTH_MS).toISOString(),
      grant: { kind: 'points', points: 150 },
      budgetPoints: 10_000,
      controlSharePct: 0,
    });
    expect(c.status).toBe(201);
    campaignId = c.body.id;
    expect((await club.call('POST', `/v1/campaigns/${campaignId}/activate`)).status).toBe(200);
    const run = await club.call('POST', `/v1/campaigns/${campaignId}/run`);
    expect(run.status).toBe(200);
    expect(run.body.granted).toBe(4);
  }, 60_000);
  afterAll(async () => {
    await env?.close();
  });

  it('finds nothing on a consistent club, and counts the member held above by the review date', async () => {
    const r = await audit();
    expect(kinds(r)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.tiers.members).toBe(4);
    expect(r.tiers.held.untilReview).toBe(1); // A-3, gold with a silver measure since the return
    expect(r.campaigns).toMatchObject({ campaigns: 1, grants: 4, pendingGrants: 0, ledgerPoints: 600 });
    expect(formatAuditReport(r)).toMatch(/\nOK\n$/);
  });

  it('finds a changed balance cache', async () => {
    const account = `mem:${ids.get('A-1')}:available`;
    await env.db.query(
      'update ledger_accounts set balance = balance + 7 where club_id = $1 and account_id = $2',
      [club.clubId, account],
    );
    try {
      const r = await audit();
      expect(kinds(r)).toEqual([`balance ${account}`, 'ledger_total']);
      expect(r.ledger.mismatches[0]).toMatchObject({ cached: expect.any(Number) });
      expect(r.ledger.mismatches[0]!.cached - r.ledger.mismatches[0]!.derived).toBe(7);
      expect(formatAuditReport(r)).toContain(`${account}: cached`);
    } finally {
      await env.db.query(
        'update ledger_accounts set balance = balance - 7 where club_id = $1 and account_id = $2',
        [club.clubId, account],
      );
    }
    expect((await audit()).ok).toBe(true);
  });

  it('finds a deleted ledger entry (and the campaign grant it gave)', async () => {
    const member = ids.get('A-2')!;
    const transferId = `adjust:campaign:${campaignId}:${member}:once`;
    const { rows } = await env.db.query<Record<string, unknown>>(
      'select * from ledger_entries where club_id = $1 and transfer_id = $2',
      [club.clubId, transferId],
    );
    expect(rows).toHaveLength(1);
    await env.db.query('delete from ledger_entries where club_id = $1 and transfer_id = $2', [
      club.clubId,
      transferId,
    ]);
    try {
      const r = await audit();
      expect(kinds(r)).toEqual([
        `balance mem:${member}:available`,
        `campaign ledger ${member}`,
        'ledger_total',
      ]);
      expect(r.ledger.total).toBe(150); // the member still holds what the deleted entry gave
    } finally {
      const cols = Object.keys(rows[0]!);
      await env.db.query(
        `insert into ledger_entries (${cols.join(', ')}) overriding system value
         values (${cols.map((_, i) => `$${i + 1}`).join(', ')})`,
        cols.map((c) => rows[0]![c]),
      );
    }
    expect((await audit()).ok).toBe(true);
  });

  it('finds a tier set by hand without a history: above and below', async () => {
    const silver = ids.get('A-1')!;
    const gold = ids.get('A-2')!;
    const set = (member: string, tier: string) =>
      env.db.query('update member_tiers set tier_id = $3 where club_id = $1 and member_id = $2', [
        club.clubId,
        member,
        tier,
      ]);
    await set(silver, tierIds.gold!);
    await set(gold, tierIds.bronze!);
    try {
      const r = await audit();
      expect(kinds(r)).toEqual(['tier history A-1', 'tier history A-2']);
      const found = new Map(r.tiers.differences.map((d) => [d.externalId, [d.stored, d.expected]]));
      expect(found.get('A-1')).toEqual(['gold', 'silver']);
      expect(found.get('A-2')).toEqual(['bronze', 'gold']);
      expect(formatAuditReport(r)).toContain('[history] member A-1');
    } finally {
      await set(silver, tierIds.silver!);
      await set(gold, tierIds.gold!);
    }
    expect((await audit()).ok).toBe(true);
  });

  it('finds a member below the tier their orders reach, once the tiers were edited before those orders', async () => {
    // A history that agrees with the corrupted cache, so only the rules can tell.
    const gold = ids.get('A-2')!;
    await env.db.query(`update tiers set updated_at = now() - interval '1 hour' where club_id = $1`, [
      club.clubId,
    ]);
    await env.db.query(`update tier_settings set updated_at = now() - interval '1 hour' where club_id = $1`, [
      club.clubId,
    ]);
    await env.db.query('update member_tiers set tier_id = $3 where club_id = $1 and member_id = $2', [
      club.clubId,
      gold,
      tierIds.silver,
    ]);
    await env.db.query(
      `insert into tier_history (club_id, member_id, at, kind, from_key, to_key, reason)
       values ($1, $2, now(), 'downgrade', 'gold', 'silver', 'review')`,
      [club.clubId, gold],
    );
    try {
      const r = await audit();
      expect(kinds(r)).toEqual(['tier below_qualifying A-2']);
      expect(r.tiers.differences[0]).toMatchObject({
        stored: 'silver',
        expected: 'gold',
        measureValue: 60_000_000,
      });
    } finally {
      await env.db.query(
        `delete from tier_history where club_id = $1 and member_id = $2 and kind = 'downgrade'`,
        [club.clubId, gold],
      );
      await env.db.query('update member_tiers set tier_id = $3 where club_id = $1 and member_id = $2', [
        club.clubId,
        gold,
        tierIds.gold,
      ]);
    }
    expect((await audit()).ok).toBe(true);
  });

  it('respects grace at a due review, and finds a review overdue with no grace left', async () => {
    // Thirteen months on, nothing is in the window: every member above bronze is due a review.
    const later = new Date(Date.now() + 13 * MONTH_MS);
    const r = await audit(later);
    expect(kinds(r)).toEqual([]);
    expect(r.tiers.held.byGrace).toBe(3);
    const member = ids.get('A-1')!;
    await env.db.query('update member_tiers set grace_used = 1 where club_id = $1 and member_id = $2', [
      club.clubId,
      member,
    ]);
    try {
      const overdue = await audit(later);
      expect(kinds(overdue)).toEqual(['tier review_overdue A-1']);
      expect(overdue.tiers.differences[0]).toMatchObject({ stored: 'silver', expected: 'bronze' });
      // Not yet past the slack: a lag the daily job will close, not a difference.
      const { rows } = await env.db.query<{ review_at: Date }>(
        'select review_at from member_tiers where club_id = $1 and member_id = $2',
        [club.clubId, member],
      );
      const justDue = await audit(new Date(rows[0]!.review_at.getTime() + 3600_000));
      expect(kinds(justDue)).toEqual([]);
      expect(justDue.tiers.pending.reviews).toBe(1);
    } finally {
      await env.db.query('update member_tiers set grace_used = 0 where club_id = $1 and member_id = $2', [
        club.clubId,
        member,
      ]);
    }
  });

  it('counts members a lowered threshold will upgrade on their next read, without reporting them', async () => {
    const lowered = await club.call('PUT', '/v1/tiers', {
      tiers: [
        { key: 'bronze', name: { fa: 'برنزی', en: 'Bronze' }, threshold: 0 },
        { key: 'silver', name: { fa: 'نقره‌ای', en: 'Silver' }, threshold: 1_000_000 },
        { key: 'gold', name: { fa: 'طلایی', en: 'Gold' }, threshold: 50_000_000 },
      ],
    });
    expect(lowered.status).toBe(200);
    const r = await audit();
    expect(kinds(r)).toEqual([]);
    expect(r.tiers.pending.upgrades).toBe(1); // A-0 qualifies for silver now
    expect((await club.call('GET', '/v1/members/A-0/tier')).body.tier.key).toBe('silver');
    expect((await audit()).tiers.pending.upgrades).toBe(0);
  });

  it("finds a campaign's spend changed, and a member's usage changed", async () => {
    await env.db.query(
      'update campaigns set spent_points = spent_points - 150 where club_id = $1 and campaign_id = $2',
      [club.clubId, campaignId],
    );
    const member = ids.get('A-0')!;
    await env.db.query(
      'update campaign_usage set points = 0 where club_id = $1 and campaign_id = $2 and member_id = $3',
      [club.clubId, campaignId, member],
    );
    try {
      const r = await audit();
      expect(kinds(r)).toEqual([`campaign member_usage ${member}`, 'campaign spent_points']);
      expect(r.campaigns.differences[0]).toMatchObject({ recorded: 450, recomputed: 600 });
      expect(formatAuditReport(r)).toMatch(/\[spent_points\] campaign .*recorded 450, recomputed 600/);
    } finally {
      await env.db.query(
        'update campaigns set spent_points = spent_points + 150 where club_id = $1 and campaign_id = $2',
        [club.clubId, campaignId],
      );
      await env.db.query(
        'update campaign_usage set points = 150 where club_id = $1 and campaign_id = $2 and member_id = $3',
        [club.clubId, campaignId, member],
      );
    }
    expect((await audit()).ok).toBe(true);
  });
});
