import type { Queryable } from '../../db/db.js';

export interface MemberRow {
  club_id: string;
  member_id: string;
  external_id: string;
  first_name: string | null;
  last_name: string | null;
  mobile: string | null;
  email: string | null;
  city: string | null;
  province: string | null;
  birth_date: string | null;
  gender: 'female' | 'male' | 'other' | null;
  consent_sms: boolean;
  consent_email: boolean;
  attributes: Record<string, string | number | boolean | null>;
  created_at: Date;
  updated_at: Date;
}

// birth_date comes back as text so no time zone can shift the day.
const COLUMNS = `club_id, member_id, external_id, first_name, last_name, mobile, email, city, province,
  to_char(birth_date, 'YYYY-MM-DD') as birth_date, gender, consent_sms, consent_email, attributes, created_at, updated_at`;

export interface MemberFields {
  first_name?: string | null;
  last_name?: string | null;
  mobile?: string | null;
  email?: string | null;
  city?: string | null;
  province?: string | null;
  birth_date?: string | null;
  gender?: string | null;
  consent_sms?: boolean;
  consent_email?: boolean;
  attributes?: Record<string, unknown>;
}

const FIELD_NAMES = [
  'first_name',
  'last_name',
  'mobile',
  'email',
  'city',
  'province',
  'birth_date',
  'gender',
  'consent_sms',
  'consent_email',
  'attributes',
] as const;

export async function findMemberByExternalId(
  db: Queryable,
  clubId: string,
  externalId: string,
): Promise<MemberRow | null> {
  const { rows } = await db.query<MemberRow>(
    `select ${COLUMNS} from members where club_id = $1 and external_id = $2`,
    [clubId, externalId],
  );
  return rows[0] ?? null;
}

export async function findMemberIdsByExternalIds(
  db: Queryable,
  clubId: string,
  externalIds: string[],
): Promise<Map<string, string>> {
  const { rows } = await db.query<{ external_id: string; member_id: string }>(
    'select external_id, member_id from members where club_id = $1 and external_id = any($2::text[])',
    [clubId, externalIds],
  );
  return new Map(rows.map((r) => [r.external_id, r.member_id]));
}

/**
 * Inserts the member or updates the fields given; `inserted` tells which happened. Fields left out
 * keep their stored value (an omitted field is not a request to clear it; send null for that).
 */
export async function upsertMember(
  tx: Queryable,
  clubId: string,
  memberId: string,
  externalId: string,
  fields: MemberFields,
): Promise<{ row: MemberRow; inserted: boolean; changed: boolean }> {
  const given = FIELD_NAMES.filter((f) => fields[f] !== undefined);
  const values = given.map((f) => (f === 'attributes' ? JSON.stringify(fields[f]) : fields[f]));
  const cols = given.map((f) => f).join(', ');
  const params = given.map((f, i) =>
    f === 'attributes' ? `$${i + 4}::jsonb` : f === 'birth_date' ? `$${i + 4}::date` : `$${i + 4}`,
  );
  const updates = given.map((f) => `${f} = excluded.${f}`);
  updates.push('updated_at = now()');
  // Only a real change updates the row: a retried or re-imported member keeps its updated_at and
  // raises no event.
  const changed = given.length
    ? `where (${given.map((f) => `members.${f}`).join(', ')}) is distinct from (${given.map((f) => `excluded.${f}`).join(', ')})`
    : 'where false';
  const { rows } = await tx.query<MemberRow & { inserted: boolean }>(
    `insert into members (club_id, member_id, external_id${cols ? `, ${cols}` : ''})
     values ($1, $2, $3${params.length ? `, ${params.join(', ')}` : ''})
     on conflict (club_id, external_id) do update set ${updates.join(', ')} ${changed}
     returning ${COLUMNS}, (xmax = 0) as inserted`,
    [clubId, memberId, externalId, ...values],
  );
  if (rows[0]) {
    const { inserted, ...row } = rows[0];
    return { row, inserted, changed: true };
  }
  const row = await findMemberByExternalId(tx, clubId, externalId);
  return { row: row!, inserted: false, changed: false };
}

export async function searchMembers(
  db: Queryable,
  clubId: string,
  opts: { q?: string | undefined; mobile?: string | null; afterMemberId?: string | undefined; limit: number },
): Promise<MemberRow[]> {
  const params: unknown[] = [clubId];
  const where = ['club_id = $1'];
  if (opts.q) {
    params.push(opts.q);
    const q = `$${params.length}`;
    params.push(`%${escapeLike(opts.q)}%`);
    const like = `$${params.length}`;
    const conditions = [
      `external_id = ${q}`,
      `lower(email) = lower(${q})`,
      `(coalesce(first_name, '') || ' ' || coalesce(last_name, '')) ilike ${like}`,
      `external_id ilike ${like}`,
    ];
    if (opts.mobile) {
      params.push(opts.mobile);
      conditions.push(`mobile = $${params.length}`);
    } else if (/^\d{4,}$/.test(opts.q)) {
      // A partial number (the last digits a caller reads out, or 0912…) matches inside the stored E.164.
      params.push(`%${opts.q.replace(/^0/, '')}%`);
      conditions.push(`mobile like $${params.length}`);
    }
    where.push(`(${conditions.join(' or ')})`);
  }
  if (opts.afterMemberId) {
    params.push(opts.afterMemberId);
    where.push(`member_id > $${params.length}`);
  }
  params.push(opts.limit);
  const { rows } = await db.query<MemberRow>(
    `select ${COLUMNS} from members where ${where.join(' and ')} order by member_id limit $${params.length}`,
    params,
  );
  return rows;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export async function findProfiles(
  db: Queryable,
  clubId: string,
  memberIds: string[],
): Promise<Map<string, { birthDate: string | null }>> {
  if (memberIds.length === 0) return new Map();
  const { rows } = await db.query<{ member_id: string; birth_date: string | null }>(
    `select member_id, to_char(birth_date, 'YYYY-MM-DD') as birth_date from members where club_id = $1 and member_id = any($2::text[])`,
    [clubId, memberIds],
  );
  return new Map(rows.map((r) => [r.member_id, { birthDate: r.birth_date }]));
}

export interface NewMemberRow {
  memberId: string;
  externalId: string;
  firstName: string | null;
  lastName: string | null;
  mobile: string | null;
  email: string | null;
  city: string | null;
  province: string | null;
  birthDate: string | null;
  gender: string | null;
  consentSms: boolean;
  consentEmail: boolean;
}

/** Inserts members whose external id is new, in one statement; returns the rows inserted. */
export async function insertMembers(
  tx: Queryable,
  clubId: string,
  rows: NewMemberRow[],
): Promise<Array<{ member_id: string; external_id: string }>> {
  if (rows.length === 0) return [];
  const col = <K extends keyof NewMemberRow>(k: K) => rows.map((r) => r[k]);
  const { rows: inserted } = await tx.query<{ member_id: string; external_id: string }>(
    `insert into members (club_id, member_id, external_id, first_name, last_name, mobile, email, city, province,
       birth_date, gender, consent_sms, consent_email)
     select $1, m.* from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
       $9::text[], $10::date[], $11::text[], $12::boolean[], $13::boolean[]) as m
     on conflict do nothing
     returning member_id, external_id`,
    [
      clubId,
      col('memberId'),
      col('externalId'),
      col('firstName'),
      col('lastName'),
      col('mobile'),
      col('email'),
      col('city'),
      col('province'),
      col('birthDate'),
      col('gender'),
      col('consentSms'),
      col('consentEmail'),
    ],
  );
  return inserted;
}
