import type { Queryable } from '../../db/db.js';

export interface ComplaintRow {
  club_id: string;
  complaint_id: string;
  member_id: string;
  member_external_id: string;
  order_external_id: string | null;
  category_key: string | null;
  channel: string;
  priority: 'low' | 'normal' | 'high' | 'urgent';
  description: string;
  attachments: Array<{ url: string; name?: string }>;
  status: string;
  assignee: string | null;
  root_cause_key: string | null;
  previous_complaint_id: string | null;
  survey_response_id: string | null;
  first_response_target_minutes: number;
  resolution_target_minutes: number;
  sla_used_minutes: number;
  sla_clock_since: Date | null;
  first_response_at: Date | null;
  first_response_minutes: number | null;
  resolution_minutes: number | null;
  warned_at: Date | null;
  breached_at: Date | null;
  created_at: Date;
  resolved_at: Date | null;
  closed_at: Date | null;
  updated_at: Date;
}

export interface EventRow {
  seq: number;
  at: Date;
  author_type: 'member' | 'staff' | 'system';
  author: string | null;
  kind: 'created' | 'status' | 'note' | 'reply' | 'compensation';
  from_status: string | null;
  to_status: string | null;
  customer_note: string | null;
  internal_note: string | null;
  details: Record<string, unknown> | null;
}

const SELECT = `select c.*, m.external_id as member_external_id
  from complaints c join members m on m.club_id = c.club_id and m.member_id = c.member_id`;

export async function findComplaint(
  db: Queryable,
  clubId: string,
  complaintId: string,
  forUpdate = false,
): Promise<ComplaintRow | null> {
  const { rows } = await db.query<ComplaintRow>(
    `${SELECT} where c.club_id = $1 and c.complaint_id = $2${forUpdate ? ' for update of c' : ''}`,
    [clubId, complaintId],
  );
  return rows[0] ?? null;
}

export async function listComplaints(
  db: Queryable,
  clubId: string,
  q: {
    status?: string | undefined;
    memberId?: string | undefined;
    category?: string | undefined;
    assignee?: string | undefined;
    slaState?: 'warning' | 'breached' | undefined;
    isOpen?: boolean | undefined;
    priority?: string | undefined;
    before?: string | undefined;
    limit: number;
  },
): Promise<ComplaintRow[]> {
  const { rows } = await db.query<ComplaintRow>(
    `${SELECT} where c.club_id = $1
       and ($2::text is null or c.status = $2) and ($3::text is null or c.member_id = $3)
       and ($4::text is null or c.category_key = $4) and ($5::text is null or c.assignee = $5)
       and ($6::text is null or ($6 = 'breached' and c.breached_at is not null)
            or ($6 = 'warning' and c.warned_at is not null and c.breached_at is null))
       and ($7::text is null or c.complaint_id < $7)
       and ($9::boolean is null or (c.status not in ('resolved', 'closed')) = $9)
       and ($10::text is null or c.priority = $10)
     order by c.complaint_id desc limit $8`,
    [
      clubId,
      q.status ?? null,
      q.memberId ?? null,
      q.category ?? null,
      q.assignee ?? null,
      q.slaState ?? null,
      q.before ?? null,
      q.limit,
      q.isOpen ?? null,
      q.priority ?? null,
    ],
  );
  return rows;
}

export async function insertComplaint(
  tx: Queryable,
  r: Omit<
    ComplaintRow,
    | 'member_external_id'
    | 'warned_at'
    | 'breached_at'
    | 'resolved_at'
    | 'closed_at'
    | 'first_response_at'
    | 'first_response_minutes'
    | 'resolution_minutes'
    | 'sla_used_minutes'
  >,
): Promise<void> {
  await tx.query(
    `insert into complaints (club_id, complaint_id, member_id, order_external_id, category_key, channel,
       priority, description, attachments, status, assignee, root_cause_key, previous_complaint_id,
       survey_response_id, first_response_target_minutes, resolution_target_minutes, sla_clock_since,
       created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
    [
      r.club_id,
      r.complaint_id,
      r.member_id,
      r.order_external_id,
      r.category_key,
      r.channel,
      r.priority,
      r.description,
      JSON.stringify(r.attachments),
      r.status,
      r.assignee,
      r.root_cause_key,
      r.previous_complaint_id,
      r.survey_response_id,
      r.first_response_target_minutes,
      r.resolution_target_minutes,
      r.sla_clock_since,
      r.created_at,
      r.updated_at,
    ],
  );
}

/** Writes the mutable columns of a complaint back. */
export async function saveComplaint(tx: Queryable, r: ComplaintRow): Promise<void> {
  await tx.query(
    `update complaints set status = $3, assignee = $4, root_cause_key = $5, category_key = $6, priority = $7,
       first_response_target_minutes = $8, resolution_target_minutes = $9, sla_used_minutes = $10,
       sla_clock_since = $11, first_response_at = $12, first_response_minutes = $13, resolution_minutes = $14,
       warned_at = $15, breached_at = $16, resolved_at = $17, closed_at = $18, updated_at = $19
     where club_id = $1 and complaint_id = $2`,
    [
      r.club_id,
      r.complaint_id,
      r.status,
      r.assignee,
      r.root_cause_key,
      r.category_key,
      r.priority,
      r.first_response_target_minutes,
      r.resolution_target_minutes,
      r.sla_used_minutes,
      r.sla_clock_since,
      r.first_response_at,
      r.first_response_minutes,
      r.resolution_minutes,
      r.warned_at,
      r.breached_at,
      r.resolved_at,
      r.closed_at,
      r.updated_at,
    ],
  );
}

export async function appendEvent(
  tx: Queryable,
  clubId: string,
  complaintId: string,
  e: Omit<EventRow, 'seq'>,
): Promise<void> {
  await tx.query(
    `insert into complaint_events (club_id, complaint_id, seq, at, author_type, author, kind, from_status,
       to_status, customer_note, internal_note, details)
     select $1, $2, coalesce(max(seq), 0) + 1, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb
       from complaint_events where club_id = $1 and complaint_id = $2`,
    [
      clubId,
      complaintId,
      e.at,
      e.author_type,
      e.author,
      e.kind,
      e.from_status,
      e.to_status,
      e.customer_note,
      e.internal_note,
      e.details === null ? null : JSON.stringify(e.details),
    ],
  );
}

export async function listEvents(db: Queryable, clubId: string, complaintId: string): Promise<EventRow[]> {
  const { rows } = await db.query<EventRow>(
    `select seq, at, author_type, author, kind, from_status, to_status, customer_note, internal_note, details
     from complaint_events where club_id = $1 and complaint_id = $2 order by seq`,
    [clubId, complaintId],
  );
  return rows;
}

export async function hasKey(
  db: Queryable,
  table: 'complaint_categories' | 'root_causes',
  clubId: string,
  key: string,
): Promise<boolean> {
  const col = table === 'root_causes' ? 'cause_key' : 'category_key';
  const { rows } = await db.query(`select 1 from ${table} where club_id = $1 and ${col} = $2`, [clubId, key]);
  return rows.length > 0;
}

export async function orderOfMember(
  db: Queryable,
  clubId: string,
  memberId: string,
  orderExternalId: string,
): Promise<boolean> {
  const { rows } = await db.query(
    'select 1 from orders where club_id = $1 and external_id = $2 and member_id = $3',
    [clubId, orderExternalId, memberId],
  );
  return rows.length > 0;
}

/** Open complaints not yet flagged as breached, in id order after `after`: the SLA job's pages. */
export async function listOpenForScan(
  db: Queryable,
  clubId: string,
  after: string,
  limit: number,
): Promise<ComplaintRow[]> {
  const { rows } = await db.query<ComplaintRow>(
    `${SELECT} where c.club_id = $1 and c.status not in ('resolved', 'closed') and c.breached_at is null
       and c.complaint_id > $2 order by c.complaint_id limit $3`,
    [clubId, after, limit],
  );
  return rows;
}

/** One member's complaints, newest first; the cursor is the last complaint of the previous page. */
export async function listMemberComplaints(
  db: Queryable,
  clubId: string,
  memberId: string,
  before: string | undefined,
  limit: number,
): Promise<ComplaintRow[]> {
  const { rows } = await db.query<ComplaintRow>(
    `${SELECT} where c.club_id = $1 and c.member_id = $2
       and ($3::text is null or (c.created_at, c.complaint_id) <
            (select p.created_at, p.complaint_id from complaints p
              where p.club_id = $1 and p.member_id = $2 and p.complaint_id = $3))
     order by c.created_at desc, c.complaint_id desc limit $4`,
    [clubId, memberId, before ?? null, limit],
  );
  return rows;
}
