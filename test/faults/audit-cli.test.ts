import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createServices } from '../../src/app.js';
import { openDb } from '../../src/db/db.js';
import { migrate } from '../../src/db/migrations.js';
import { moduleMigrations } from '../../src/modules/registry.js';
import { CLI_ENTRY, ROOT } from './load.js';

/** `vafa audit` as an operator runs it: the human report, `--json`, and the exit code. */
describe('vafa audit, the command', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vafa-audit-cli-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const { DATABASE_URL: _, ...inherited } = process.env;
  const audit = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', CLI_ENTRY, 'audit', ...args], {
      cwd: ROOT,
      env: { ...inherited, VAFA_DATA_DIR: dataDir, LOG_LEVEL: 'error' },
      encoding: 'utf8',
      timeout: 120_000,
    });

  it('exits 1 naming each difference, then 0 once repaired (--json)', { timeout: 180_000 }, async () => {
    const db = await openDb({ dataDir });
    let clubId = '';
    let account = '';
    try {
      await migrate(db, moduleMigrations());
      const services = createServices(db, () => new Date());
      clubId = (await services.clubs.createClub('Audit CLI')).club.id;
      await services.members.upsertMember(clubId, 'M-1', { firstName: 'سارا' });
      await services.points.adjust(clubId, 'M-1', { points: 500, reason: 'خوش‌آمد' }, 'welcome-M-1');
      const { rows } = await db.query<{ account_id: string }>(
        `select account_id from ledger_accounts where club_id = $1 and kind = 'available'`,
        [clubId],
      );
      account = rows[0]!.account_id;
      await db.query(
        'update ledger_accounts set balance = balance + 5 where club_id = $1 and account_id = $2',
        [clubId, account],
      );
    } finally {
      await db.close();
    }

    const human = audit('--club', clubId);
    expect(human.status).toBe(1);
    expect(human.stdout).toContain(`Audit of club ${clubId}`);
    expect(human.stdout).toContain(`${account}: cached 505, from entries 500`);
    expect(human.stdout).toContain('Tiers: the club has no tiers');
    expect(human.stdout).toMatch(/DIFFERENCES FOUND: 2\n$/); // the balance, and the total that is not 0

    const repair = await openDb({ dataDir });
    try {
      await repair.query(
        'update ledger_accounts set balance = balance - 5 where club_id = $1 and account_id = $2',
        [clubId, account],
      );
    } finally {
      await repair.close();
    }
    const clean = audit('--club', clubId, '--json');
    expect(clean.status).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({
      clubId,
      ok: true,
      differences: 0,
      ledger: { total: 0, mismatches: [] },
      tiers: { hasTiers: false, differences: [] },
      campaigns: { campaigns: 0, differences: [] },
    });
  });
});
