import type { Command } from 'commander';
import { createServices } from '../app.js';
import type { Db } from '../db/db.js';
import { auditCampaignSpend, type CampaignAuditReport } from '../modules/campaigns/index.js';
import { auditMemberTiers, type TierAuditReport } from '../modules/tiers/index.js';
import { openConfiguredDb } from './context.js';

/**
 * `vafa audit --club ID`: recomputes what Vafa keeps cached from what it logs, and reports every
 * difference (exit code 1). Three checks, each owned by its module and read through its index:
 * - the ledger (points): every cached member balance against the sum of its entries, and the club's
 *   accounts summing to zero;
 * - tiers: every member's stored tier against the tier history and the tier rules applied to their
 *   qualifying activity, lawful lags (review dates, grace, lazy re-evaluation) not counted;
 * - campaigns: every campaign's recorded spend against its grants, its budget and the ledger.
 * docs/ledger.md ("Auditing") lists what each difference means.
 */
export interface AuditReport {
  clubId: string;
  at: string;
  ok: boolean;
  /** The number of differences across the three checks. */
  differences: number;
  ledger: {
    total: number;
    mismatches: Array<{ account_id: string; cached: number; derived: number }>;
  };
  tiers: TierAuditReport;
  campaigns: CampaignAuditReport;
  seconds: number;
}

/** Differences printed per section; --json has them all. */
const PRINT_LIMIT = 50;

export async function auditClub(db: Db, clubId: string, now: Date = new Date()): Promise<AuditReport> {
  const started = Date.now();
  const services = createServices(db, () => now);
  await services.clubs.getClub(clubId);
  const ledger = await services.points.audit(clubId);
  const tiers = await auditMemberTiers(db, clubId, now);
  const campaigns = await auditCampaignSpend(db, clubId);
  const differences =
    (ledger.total === 0 ? 0 : 1) +
    ledger.mismatches.length +
    tiers.differences.length +
    campaigns.differences.length;
  return {
    clubId,
    at: now.toISOString(),
    ok: differences === 0,
    differences,
    ledger: { total: ledger.total, mismatches: ledger.mismatches },
    tiers,
    campaigns,
    seconds: (Date.now() - started) / 1000,
  };
}

/** The report as people read it: one summary line per check, then its differences. */
export function formatAuditReport(r: AuditReport): string {
  const out: string[] = [`Audit of club ${r.clubId} at ${r.at}`];
  const more = (n: number) => {
    if (n > PRINT_LIMIT) out.push(`  … and ${n - PRINT_LIMIT} more (--json lists all)`);
  };
  out.push(`Ledger: total ${r.ledger.total} (must be 0), ${r.ledger.mismatches.length} balance mismatches`);
  for (const m of r.ledger.mismatches.slice(0, PRINT_LIMIT))
    out.push(`  ${m.account_id}: cached ${m.cached}, from entries ${m.derived}`);
  more(r.ledger.mismatches.length);

  const t = r.tiers;
  if (!t.hasTiers) out.push('Tiers: the club has no tiers');
  else {
    out.push(
      `Tiers (${t.measure}, downgrade ${t.downgrade}): ${t.members} members, ${t.differences.length} differences; ` +
        `held above the measure until review ${t.held.untilReview}, by grace ${t.held.byGrace}, ` +
        `never-downgrade ${t.held.neverDowngrade}; pending upgrades ${t.pending.upgrades}, ` +
        `reviews ${t.pending.reviews}, deleted tiers ${t.pending.deletedTier}`,
    );
    for (const d of t.differences.slice(0, PRINT_LIMIT))
      out.push(
        `  [${d.kind}] member ${d.externalId} (${d.memberId}): stored ${d.stored ?? 'none'}, ` +
          `expected ${d.expected ?? 'none'}, measure ${d.measureValue}: ${d.detail}`,
      );
    more(t.differences.length);
  }

  const c = r.campaigns;
  out.push(
    `Campaigns: ${c.campaigns} campaigns, ${c.grants} grants (${c.pendingGrants} pending), ` +
      `${c.ledgerPoints} points through the ledger, ${c.differences.length} differences`,
  );
  for (const d of c.differences.slice(0, PRINT_LIMIT))
    out.push(
      `  [${d.kind}] campaign ${d.campaignId}${d.name ? ` “${d.name}”` : ''}` +
        `${d.memberId ? `, member ${d.memberId}` : ''}: recorded ${d.recorded ?? '-'}, ` +
        `recomputed ${d.recomputed ?? '-'}: ${d.detail}`,
    );
  more(c.differences.length);
  out.push(r.ok ? 'OK' : `DIFFERENCES FOUND: ${r.differences}`);
  return `${out.join('\n')}\n`;
}

export function registerAuditCommand(program: Command): void {
  program
    .command('audit')
    .description(
      'Recompute balances, tiers and campaign spend from the ledger and history; report any difference (exit 1)',
    )
    .requiredOption('--club <id>', 'club id')
    .option('--json', 'print JSON')
    .action(async (opts: { club: string; json?: boolean }) => {
      const db = await openConfiguredDb();
      try {
        const report = await auditClub(db, opts.club);
        process.stdout.write(opts.json ? `${JSON.stringify(report)}\n` : formatAuditReport(report));
        if (!report.ok) process.exitCode = 1;
      } finally {
        await db.close();
      }
    });
}
