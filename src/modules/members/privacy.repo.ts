import type { Queryable } from '../../db/db.js';

/**
 * The SQL of the privacy functions (export and erase one member). Unlike the other repos it reads and
 * changes tables of other modules: a person's data is spread over all of them, and the only way to be
 * sure none is forgotten is to find it in the catalogue. Export takes every table with a member column
 * (`member_id`, `…_member_id`) and the rows that hang off those by their key (order lines, complaint
 * timelines); erasure applies PERSONAL_FIELDS, and test/security/privacy.test.ts fails when a text
 * column of such a table is neither in it nor listed as not personal.
 */

/** Columns never exported: security material (hashes of codes and sessions, leases), not personal data. */
const NEVER_EXPORTED = /(_hash|^salt|^lease_token|secret)$/;

export interface MemberTable {
  table: string;
  /** Columns naming the member (member_id, referrer_member_id, …). */
  memberColumns: string[];
  /** Set for a table reached through another: its rows are those whose `via.column` is in `via.table`. */
  via: { table: string; column: string } | null;
  columns: string[];
}

/** Tables holding a member's rows, found in the catalogue (so a new module's table is included unasked). */
export async function findMemberTables(db: Queryable): Promise<MemberTable[]> {
  const { rows } = await db.query<{ table_name: string; column_name: string }>(
    `select c.table_name, c.column_name from information_schema.columns c
       join information_schema.tables t using (table_schema, table_name)
      where c.table_schema = current_schema() and t.table_type = 'BASE TABLE'
      order by c.table_name, c.ordinal_position`,
  );
  const columns = new Map<string, string[]>();
  for (const r of rows) columns.set(r.table_name, [...(columns.get(r.table_name) ?? []), r.column_name]);
  const isMemberColumn = (c: string) => c === 'member_id' || c.endsWith('_member_id');
  const direct: MemberTable[] = [];
  for (const [table, cols] of columns) {
    if (!cols.includes('club_id')) continue;
    const memberColumns = cols.filter(isMemberColumn);
    if (memberColumns.length > 0) direct.push({ table, memberColumns, via: null, columns: cols });
  }
  // Children: a table without a member column keyed by a member table's own id (primary key after club_id).
  const { rows: keys } = await db.query<{
    table_name: string;
    column_name: string;
    ordinal_position: number;
  }>(
    `select k.table_name, k.column_name, k.ordinal_position
       from information_schema.table_constraints tc
       join information_schema.key_column_usage k
         on k.constraint_name = tc.constraint_name and k.table_schema = tc.table_schema
      where tc.constraint_type = 'PRIMARY KEY' and tc.table_schema = current_schema()
      order by k.table_name, k.ordinal_position`,
  );
  const pk = new Map<string, string[]>();
  for (const k of keys) pk.set(k.table_name, [...(pk.get(k.table_name) ?? []), k.column_name]);
  const children: MemberTable[] = [];
  const directNames = new Set(direct.map((d) => d.table));
  for (const parent of direct) {
    const key = pk.get(parent.table) ?? [];
    if (key.length !== 2 || key[0] !== 'club_id' || isMemberColumn(key[1]!)) continue;
    const idColumn = key[1]!;
    for (const [table, cols] of columns) {
      if (directNames.has(table) || !cols.includes('club_id') || !cols.includes(idColumn)) continue;
      children.push({
        table,
        memberColumns: [],
        via: { table: parent.table, column: idColumn },
        columns: cols,
      });
    }
  }
  return [...direct, ...children];
}

/** The member's rows of one table, without security material; oldest first by the table's key. */
export async function selectMemberRows(
  db: Queryable,
  t: MemberTable,
  clubId: string,
  memberId: string,
): Promise<Record<string, unknown>[]> {
  const cols = t.columns.filter((c) => !NEVER_EXPORTED.test(c));
  const list = cols.map((c) => `t.${c}`).join(', ');
  const sql = t.via
    ? `select ${list} from ${t.table} t
        where t.club_id = $1 and t.${t.via.column} in (
          select p.${t.via.column} from ${t.via.table} p where p.club_id = $1 and p.member_id = $2)
        order by 1, 2, 3`
    : `select ${list} from ${t.table} t
        where t.club_id = $1 and (${t.memberColumns.map((c) => `t.${c} = $2`).join(' or ')})
        order by 1, 2, 3`;
  const { rows } = await db.query<Record<string, unknown>>(sql, [clubId, memberId]);
  return rows;
}

/**
 * What erasure does to each column holding personal data. `null` clears it; a SQL expression replaces it
 * (for NOT NULL text, or to keep the non-personal part, such as a survey's scores). Rows of the tables in
 * PERSONAL_ROWS are deleted. Amounts, points, dates and ids stay, so the ledger and reports still sum.
 */
export const PERSONAL_FIELDS: Record<string, Record<string, string | null>> = {
  members: {
    first_name: null,
    last_name: null,
    mobile: null,
    email: null,
    city: null,
    province: null,
    birth_date: null,
    gender: null,
    attributes: `'{}'::jsonb`,
    // No consent can survive the person's erasure: no message may be sent to the pseudonym.
    consent_sms: 'false',
    consent_email: 'false',
  },
  complaints: { description: `''`, attachments: `'[]'::jsonb` },
  complaint_events: { customer_note: null, internal_note: null },
  // Scores stay (NPS, CSAT and CES still count); free-text answers go.
  survey_responses: {
    comment: null,
    answers: `coalesce((select jsonb_object_agg(k, v) from jsonb_each(answers) e(k, v)
                         where jsonb_typeof(v) <> 'string'), '{}'::jsonb)`,
  },
  // The rating stays in the product's average; the words were the member's.
  reviews: { title: null, body: `''` },
  // Sent messages carry the name and the number they went to.
  member_messages: { recipient: null, subject: null, body: null },
  cooperation_ratings: { note: null },
  tier_history: { note: null },
  ledger_entries: { note: null },
  member_events: { properties: `'{}'::jsonb` },
  referrals: { device_id: null },
};

/** Tables whose rows for the member are deleted: sign-in codes (mobile, address) and sessions. */
export const PERSONAL_ROWS = ['portal_otps', 'portal_sessions'];

export async function existingColumns(db: Queryable): Promise<Map<string, Set<string>>> {
  const { rows } = await db.query<{ table_name: string; column_name: string }>(
    `select table_name, column_name from information_schema.columns where table_schema = current_schema()`,
  );
  const out = new Map<string, Set<string>>();
  for (const r of rows) {
    if (!out.has(r.table_name)) out.set(r.table_name, new Set());
    out.get(r.table_name)!.add(r.column_name);
  }
  return out;
}

/**
 * Clears the member's personal fields in every mounted table and replaces the external id by
 * `pseudonym`; returns the rows changed per table. Runs in the caller's transaction.
 */
export async function eraseMemberRows(
  tx: Queryable,
  clubId: string,
  memberId: string,
  pseudonym: string,
  tables: Map<string, Set<string>>,
): Promise<Record<string, number>> {
  const changed: Record<string, number> = {};
  const { rows: m } = await tx.query<{ mobile: string | null }>(
    'select mobile from members where club_id = $1 and member_id = $2 for update',
    [clubId, memberId],
  );
  const oldMobile = m[0]?.mobile ?? null;
  for (const [table, fields] of Object.entries(PERSONAL_FIELDS)) {
    const cols = tables.get(table);
    if (!cols?.has('member_id')) continue;
    const sets = Object.entries(fields)
      .filter(([c]) => cols.has(c))
      .map(([c, expr]) => `${c} = ${expr ?? 'null'}`);
    if (table === 'members') sets.push('external_id = $3', 'updated_at = now()');
    if (sets.length === 0) continue;
    const res = await tx.query(
      `update ${table} set ${sets.join(', ')} where club_id = $1 and member_id = $2`,
      table === 'members' ? [clubId, memberId, pseudonym] : [clubId, memberId],
    );
    changed[table] = res.rowCount ?? 0;
  }
  // Timeline entries of the member's complaints (they have no member column of their own).
  if (tables.get('complaint_events')?.has('complaint_id') && tables.has('complaints')) {
    const res = await tx.query(
      `update complaint_events set customer_note = null, internal_note = null
        where club_id = $1 and complaint_id in (
          select complaint_id from complaints where club_id = $1 and member_id = $2)`,
      [clubId, memberId],
    );
    changed.complaint_events = res.rowCount ?? 0;
  }
  for (const table of PERSONAL_ROWS) {
    const cols = tables.get(table);
    if (!cols?.has('member_id')) continue;
    const byMobile = cols.has('mobile') && oldMobile !== null;
    const res = await tx.query(
      `delete from ${table} where club_id = $1 and (member_id = $2${byMobile ? ' or mobile = $3' : ''})`,
      byMobile ? [clubId, memberId, oldMobile] : [clubId, memberId],
    );
    changed[table] = res.rowCount ?? 0;
  }
  return changed;
}

/**
 * Removes the member's personal data from the audit log: the snapshots of the member and of their
 * complaints, and the old external id in the entries' ids and paths. The entries stay (who did what,
 * when); the log is the staff module's table, read here for the same reason as the rest.
 */
export async function redactAuditEntries(
  tx: Queryable,
  clubId: string,
  memberId: string,
  oldExternalId: string,
  pseudonym: string,
  tables: Map<string, Set<string>>,
): Promise<number> {
  if (!tables.has('staff_audit_log')) return 0;
  const hasComplaints = tables.has('complaints');
  const res = await tx.query(
    `update staff_audit_log
        set before = null, after = null, redacted_at = now(),
            resource_id = case when resource_type = 'members'
                               then $4 || substr(resource_id, length($3) + 1) else resource_id end,
            path = case when resource_type = 'members'
                        then regexp_replace(path, '^/v1/members/[^/]+', '/v1/members/' || $4) else path end
      where club_id = $1
        and ((resource_type = 'members' and (resource_id = $3 or resource_id like $5 escape '\\'))
             ${hasComplaints ? `or (resource_type = 'complaints' and resource_id in (select complaint_id from complaints where club_id = $1 and member_id = $2))` : "or $2 = ''"})`,
    [clubId, memberId, oldExternalId, pseudonym, `${oldExternalId.replace(/[\\%_]/g, (c) => `\\${c}`)}/%`],
  );
  return res.rowCount ?? 0;
}

/**
 * Events and stored idempotent answers are JSON written at the time: the old external id and any
 * personal or free-text field in them are replaced. Events are found by the member id they carry;
 * stored answers by the old id in their text (they are kept for a day, so the scan is small).
 */
export async function scrubStoredJson(
  tx: Queryable,
  clubId: string,
  memberId: string,
  oldExternalId: string,
  pseudonym: string,
  tables: Map<string, Set<string>>,
): Promise<Record<string, number>> {
  const changed: Record<string, number> = {};
  const oldJson = JSON.stringify(oldExternalId);
  const newJson = JSON.stringify(pseudonym);
  if (tables.has('outbox_events')) {
    const res = await tx.query(
      `update outbox_events
          set payload = replace(payload::text, $3, $4)::jsonb
                        - 'firstName' - 'lastName' - 'mobile' - 'email' - 'note' - 'comment' - 'message'
                        - 'reason'
        where club_id = $1 and payload ->> 'memberId' = $2`,
      [clubId, memberId, oldJson, newJson],
    );
    changed.outbox_events = res.rowCount ?? 0;
  }
  if (tables.has('idempotency_keys')) {
    const res = await tx.query(
      `update idempotency_keys set response = replace(response::text, $2, $3)::jsonb
        where club_id = $1 and strpos(response::text, $2) > 0`,
      [clubId, oldJson, newJson],
    );
    changed.idempotency_keys = res.rowCount ?? 0;
  }
  return changed;
}
