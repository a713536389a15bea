import type { Db } from '../../db/db.js';
import { runIdempotent } from '../../db/idempotency.js';
import { notFound } from '../../errors.js';
import { hashRequest, newId } from '../../lib/ids.js';
import { enqueueEvents } from '../outbox/index.js';
import * as repo from './members.repo.js';
import type { TMember } from './members.schema.js';
import { toMember } from './members.service.js';
import * as privacy from './privacy.repo.js';

/** Erased members keep their row under this prefix: it tells them apart in every listing. */
export const ERASED_PREFIX = 'erased_';

export interface TMemberExport {
  formatVersion: 1;
  exportedAt: string;
  clubId: string;
  member: TMember;
  /** Every row held about the member, by table (docs/security.md, "Privacy"). */
  tables: Record<string, Record<string, unknown>[]>;
}

export interface TErasure {
  memberId: string;
  /** The member's external id from now on; the one the shop used is no longer stored. */
  externalId: string;
  erasedAt: string;
  /** True when the member was already erased (a repeat changes nothing). */
  wasErased: boolean;
  /** Rows changed per table. */
  changed: Record<string, number>;
}

/**
 * A member's right of access and right to erasure.
 *
 * Export is everything Vafa holds about the member: the profile as the API shows it, and every row of
 * every table with a member column, plus the rows that hang off those (order lines, complaint timelines),
 * found in the catalogue so that a module added later is exported without anyone remembering to.
 *
 * Erasure removes the personal fields (names, contact, birthday, place, custom attributes, free text
 * in complaints, survey comments, reviews, notes and sent messages; sign-in codes and sessions) and
 * replaces the shop's external id with a random pseudonym, since shops often use a mobile or an email
 * as the customer id. The member row, its orders, ledger, tiers and rewards stay under the same internal
 * id, so balances, the ledger's zero sum and every report are unchanged.
 */
export class MemberPrivacy {
  constructor(
    private readonly db: Db,
    private readonly clock: () => Date,
  ) {}

  async exportMember(clubId: string, externalId: string): Promise<TMemberExport> {
    const row = await repo.findMemberByExternalId(this.db, clubId, externalId);
    if (!row) throw notFound('Member', externalId);
    const tables: Record<string, Record<string, unknown>[]> = {};
    for (const t of await privacy.findMemberTables(this.db)) {
      const rows = await privacy.selectMemberRows(this.db, t, clubId, row.member_id);
      if (rows.length > 0) tables[t.table] = rows.map(plain);
    }
    return {
      formatVersion: 1,
      exportedAt: this.clock().toISOString(),
      clubId,
      member: toMember(row),
      tables,
    };
  }

  /**
   * Erases the member's personal data in one transaction. Safe to repeat: an erased member (addressed
   * by its pseudonym) answers the same erasure again; with an Idempotency-Key a retry by the old id
   * answers the first result.
   */
  async eraseMember(
    clubId: string,
    externalId: string,
    idempotencyKey: string | undefined,
  ): Promise<{ status: number; body: TErasure }> {
    const row = await repo.findMemberByExternalId(this.db, clubId, externalId);
    if (row?.external_id.startsWith(ERASED_PREFIX)) {
      return {
        status: 200,
        body: {
          memberId: row.member_id,
          externalId: row.external_id,
          erasedAt: row.updated_at.toISOString(),
          wasErased: true,
          changed: {},
        },
      };
    }
    // Read before the transaction opens (PGlite: no query on db while one is open).
    const tables = await privacy.existingColumns(this.db);
    const result = await runIdempotent<TErasure>(
      this.db,
      {
        clubId,
        key: idempotencyKey,
        route: 'POST /v1/members/:externalId/erase',
        // The body is empty; the path's external id is not hashed in, since the key row must not keep
        // what is erased (a hash of a mobile-like id can be reversed by trying them all).
        requestHash: hashRequest({}),
      },
      async (tx) => {
        const current = await repo.findMemberByExternalId(tx, clubId, externalId);
        if (!current) throw notFound('Member', externalId);
        const pseudonym = newId(ERASED_PREFIX.slice(0, -1));
        const changed = await privacy.eraseMemberRows(tx, clubId, current.member_id, pseudonym, tables);
        changed.staff_audit_log = await privacy.redactAuditEntries(
          tx,
          clubId,
          current.member_id,
          externalId,
          pseudonym,
          tables,
        );
        Object.assign(
          changed,
          await privacy.scrubStoredJson(tx, clubId, current.member_id, externalId, pseudonym, tables),
        );
        const erasedAt = this.clock().toISOString();
        await enqueueEvents(tx, clubId, [
          {
            type: 'member.erased',
            payload: { memberId: current.member_id, externalId: pseudonym, erasedAt },
          },
        ]);
        return {
          status: 200,
          body: { memberId: current.member_id, externalId: pseudonym, erasedAt, wasErased: false, changed },
        };
      },
    );
    return { status: result.status, body: result.body };
  }
}

/** Dates as ISO text, everything else as the driver gave it (jsonb is already parsed). */
function plain(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = v instanceof Date ? v.toISOString() : v;
  return out;
}
