import type { Db, Queryable } from '../../db/db.js';
import { runIdempotent } from '../../db/idempotency.js';
import { AppError, notFound } from '../../errors.js';
import type { Services } from '../../http/types.js';
import { hashRequest, newId } from '../../lib/ids.js';
import { enqueueEvents } from '../outbox/index.js';
import {
  addBusinessMinutes,
  type BusinessCalendar,
  bucketOf,
  businessMinutesBetween,
} from './business-time.js';
import * as repo from './complaints.repo.js';
import {
  STATUS_LABELS_FA,
  type TCategories,
  type TComplaint,
  type TComplaintStatus,
  type TCreateComplaint,
  type TPatchComplaint,
  TRANSITIONS,
  type TRange,
  type TReply,
  type TRootCauses,
  type TTransition,
} from './complaints.schema.js';
import { calendarOf, fieldError, readSettings, type TPriority, type TVocSettings } from './settings.js';

/** Event types this module raises through the club's event rules (kind `event` in /v1/rules). */
export const COMPLAINT_SUBMITTED = 'complaint_submitted';

/** Called in the resolving transaction, so a CSAT survey is scheduled exactly when the resolution commits. */
export type ResolvedHook = (tx: Queryable, clubId: string, c: repo.ComplaintRow, now: Date) => Promise<void>;

/** Open complaints read per query by the SLA job. */
const SCAN_PAGE = 1000;

const RUNNING = new Set<TComplaintStatus>(['new', 'acknowledged', 'in_progress', 'reopened']);

export function rangeOf(q: { from?: string | undefined; to?: string | undefined }, now: Date) {
  const to = q.to ? new Date(q.to) : now;
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - 180 * 86_400_000);
  if (from.getTime() >= to.getTime()) throw fieldError('from', 'must be before to');
  if (to.getTime() - from.getTime() > 3 * 366 * 86_400_000)
    throw fieldError('from', 'the range is at most 3 years');
  return { from, to };
}

/** Records a member event through the club's rules after our own transaction committed; answers the points it gave now. */
export async function raiseMemberEvent(
  services: Services,
  clubId: string,
  memberExternalId: string,
  type: string,
  externalId: string,
): Promise<number> {
  try {
    const res = await services.rules.recordEvent(clubId, {
      memberExternalId,
      type,
      externalId,
      properties: {},
    });
    // 200 is the replay of an event recorded before: its points were given then, not now.
    return res.status === 201 ? res.body.points : 0;
  } catch {
    // The change itself has committed; the reward is secondary and idempotent by externalId, so a failure
    // here (a database blip) must not turn a recorded complaint or answer into an error for the caller.
    return 0;
  }
}

export class ComplaintsService {
  private onResolved: ResolvedHook | null = null;
  constructor(
    private readonly db: Db,
    private readonly services: Services,
    private readonly clock: () => Date,
  ) {}

  setResolvedHook(hook: ResolvedHook): void {
    this.onResolved = hook;
  }

  async create(
    clubId: string,
    input: TCreateComplaint,
    author: string,
    idempotencyKey: string | undefined,
  ): Promise<{ status: number; body: TComplaint }> {
    const settings = await readSettings(this.db, clubId);
    const cal = calendarOf(settings);
    const result = await runIdempotent(
      this.db,
      { clubId, key: idempotencyKey, route: 'complaints:create', requestHash: hashRequest(input) },
      async (tx) => {
        const memberId = await this.services.members
          .getMemberId(clubId, input.memberExternalId, tx)
          .catch(() => {
            throw fieldError('memberExternalId', 'no such member in this club', 'member_not_found');
          });
        if (
          input.orderExternalId &&
          !(await repo.orderOfMember(tx, clubId, memberId, input.orderExternalId))
        ) {
          throw fieldError('orderExternalId', 'no such order of this member');
        }
        if (input.category && !(await repo.hasKey(tx, 'complaint_categories', clubId, input.category))) {
          throw fieldError('category', 'not in the club’s categories');
        }
        const row = await this.insert(tx, clubId, settings, {
          memberId,
          orderExternalId: input.orderExternalId ?? null,
          category: input.category ?? null,
          channel: input.channel,
          priority: input.priority,
          description: input.description,
          attachments: input.attachments,
          author: input.author ?? author,
          authorType: input.channel === 'staff' ? 'staff' : 'member',
          previousComplaintId: null,
          surveyResponseId: null,
        });
        return { status: 201, body: this.toComplaint(row, cal, settings, this.clock()) };
      },
    );
    // Points for speaking up, not for the outcome: the club's complaint_submitted rule (with its
    // monthly limit per member) decides; the complaint id makes a retry earn nothing twice.
    const body = result.body;
    if (!result.replayed && result.status === 201) {
      body.pointsAwarded = await raiseMemberEvent(
        this.services,
        clubId,
        input.memberExternalId,
        COMPLAINT_SUBMITTED,
        `complaint_submitted-${body.id}`,
      );
    }
    return { status: result.status, body };
  }

  /** Inserts a complaint with its first timeline entry and the customer's notice, in the caller's transaction. */
  async insert(
    tx: Queryable,
    clubId: string,
    settings: TVocSettings,
    c: {
      memberId: string;
      orderExternalId: string | null;
      category: string | null;
      channel: 'portal' | 'api' | 'staff' | 'survey';
      priority: TPriority;
      description: string;
      attachments: Array<{ url: string; name?: string | undefined }>;
      author: string | null;
      authorType: 'member' | 'staff' | 'system';
      previousComplaintId: string | null;
      surveyResponseId: string | null;
    },
  ): Promise<repo.ComplaintRow> {
    const now = this.clock();
    const complaintId = newId('cmp');
    const targets = settings.slaTargets[c.priority];
    await repo.insertComplaint(tx, {
      club_id: clubId,
      complaint_id: complaintId,
      member_id: c.memberId,
      order_external_id: c.orderExternalId,
      category_key: c.category,
      channel: c.channel,
      priority: c.priority,
      description: c.description,
      attachments: c.attachments.map((a) => ({ url: a.url, ...(a.name ? { name: a.name } : {}) })),
      status: 'new',
      assignee: null,
      root_cause_key: null,
      previous_complaint_id: c.previousComplaintId,
      survey_response_id: c.surveyResponseId,
      first_response_target_minutes: targets.firstResponseMinutes,
      resolution_target_minutes: targets.resolutionMinutes,
      sla_clock_since: now,
      created_at: now,
      updated_at: now,
    });
    const note = 'شکایت شما ثبت شد و پیگیری می‌شود.';
    await repo.appendEvent(tx, clubId, complaintId, {
      at: now,
      author_type: c.authorType,
      author: c.author,
      kind: 'created',
      from_status: null,
      to_status: 'new',
      customer_note: note,
      internal_note: null,
      details: null,
    });
    await enqueueEvents(tx, clubId, [
      {
        type: 'complaint.created',
        payload: {
          memberId: c.memberId,
          complaintId,
          status: 'new',
          statusLabel: STATUS_LABELS_FA.new,
          note,
          category: c.category,
          channel: c.channel,
        },
      },
    ]);
    return (await repo.findComplaint(tx, clubId, complaintId))!;
  }

  async get(clubId: string, complaintId: string): Promise<TComplaint> {
    const settings = await readSettings(this.db, clubId);
    const r = await repo.findComplaint(this.db, clubId, complaintId);
    if (!r) throw notFound('Complaint', complaintId);
    const events = await repo.listEvents(this.db, clubId, complaintId);
    return {
      ...this.toComplaint(r, calendarOf(settings), settings, this.clock()),
      timeline: events.map(toEntry),
    };
  }

  async list(
    clubId: string,
    q: {
      status?: TComplaintStatus | undefined;
      memberExternalId?: string | undefined;
      category?: string | undefined;
      assignee?: string | undefined;
      slaState?: 'warning' | 'breached' | undefined;
      isOpen?: boolean | undefined;
      priority?: TPriority | undefined;
      before?: string | undefined;
      limit: number;
    },
  ): Promise<{ items: TComplaint[]; nextCursor: string | null }> {
    const settings = await readSettings(this.db, clubId);
    const memberId = q.memberExternalId
      ? await this.services.members.getMemberId(clubId, q.memberExternalId)
      : undefined;
    const rows = await repo.listComplaints(this.db, clubId, { ...q, memberId });
    const cal = calendarOf(settings);
    const now = this.clock();
    return {
      items: rows.map((r) => this.toComplaint(r, cal, settings, now)),
      nextCursor: rows.length === q.limit ? rows[rows.length - 1]!.complaint_id : null,
    };
  }

  async transition(
    clubId: string,
    complaintId: string,
    input: TTransition,
    apiAuthor: string,
  ): Promise<TComplaint> {
    const settings = await readSettings(this.db, clubId);
    const cal = calendarOf(settings);
    const author = input.author ?? apiAuthor;
    const { row, seq } = await this.db.transaction(async (tx) => {
      const r = await repo.findComplaint(tx, clubId, complaintId, true);
      if (!r) throw notFound('Complaint', complaintId);
      const from = r.status as TComplaintStatus;
      if (!TRANSITIONS[from].includes(input.to)) {
        throw new AppError(
          'complaint_transition_forbidden',
          `A complaint cannot move from ${from} to ${input.to}.`,
          {
            from,
            to: input.to,
            allowed: TRANSITIONS[from],
            errors: [{ field: 'to', in: 'body', message: `not allowed from ${from}` }],
          },
        );
      }
      if (input.compensation && input.to !== 'resolved') {
        throw fieldError('compensation', 'only when resolving');
      }
      if (input.to === 'resolved') {
        if (!input.rootCause) {
          throw new AppError('root_cause_required', 'Resolving a complaint needs a root cause.', {
            errors: [{ field: 'rootCause', in: 'body', message: 'required to resolve' }],
          });
        }
        if (!(await repo.hasKey(tx, 'root_causes', clubId, input.rootCause))) {
          throw new AppError(
            'root_cause_required',
            `Root cause '${input.rootCause}' is not in the club's list.`,
            {
              errors: [{ field: 'rootCause', in: 'body', message: 'not in the club’s root causes' }],
            },
          );
        }
        r.root_cause_key = input.rootCause;
      }
      const now = this.clock();
      this.move(r, input.to, cal, now, 'staff');
      await repo.saveComplaint(tx, r);
      const note = input.customerNote ?? null;
      await repo.appendEvent(tx, clubId, complaintId, {
        at: now,
        author_type: 'staff',
        author,
        kind: 'status',
        from_status: from,
        to_status: input.to,
        customer_note: note,
        internal_note: input.internalNote ?? null,
        details: input.to === 'resolved' ? { rootCause: input.rootCause ?? null } : null,
      });
      if (input.compensation) {
        await repo.appendEvent(tx, clubId, complaintId, {
          at: now,
          author_type: 'staff',
          author,
          kind: 'compensation',
          from_status: null,
          to_status: null,
          customer_note: null,
          internal_note: null,
          details: input.compensation,
        });
      }
      await enqueueEvents(tx, clubId, [statusEvent(r, from, input.to, note, input.compensation)]);
      if (input.to === 'resolved' && this.onResolved) await this.onResolved(tx, clubId, r, now);
      const { rows } = await tx.query<{ seq: number }>(
        'select max(seq)::int as seq from complaint_events where club_id = $1 and complaint_id = $2',
        [clubId, complaintId],
      );
      return { row: r, seq: rows[0]!.seq };
    });
    if (input.compensation?.points) {
      // After the resolution commits: the ledger has its own transaction. The key names this
      // resolution, so the same compensation can never be posted twice.
      await this.services.points.adjust(
        clubId,
        row.member_external_id,
        { points: input.compensation.points, reason: `جبران شکایت ${complaintId}` },
        `complaint-compensation-${complaintId}-${seq}`,
        author,
      );
    }
    return this.get(clubId, row.complaint_id);
  }

  async reply(
    clubId: string,
    complaintId: string,
    input: TReply,
    apiAuthor: string,
  ): Promise<{ status: number; body: TComplaint }> {
    const settings = await readSettings(this.db, clubId);
    const cal = calendarOf(settings);
    const author = input.author ?? (input.from === 'staff' ? apiAuthor : null);
    const resultId = await this.db.transaction(async (tx) => {
      const r = await repo.findComplaint(tx, clubId, complaintId, true);
      if (!r) throw notFound('Complaint', complaintId);
      const now = this.clock();
      const from = r.status as TComplaintStatus;
      if (input.from === 'member') {
        const windowEnd = r.resolved_at
          ? r.resolved_at.getTime() + settings.reopenWindowDays * 86_400_000
          : 0;
        if (from === 'closed' || (from === 'resolved' && now.getTime() > windowEnd)) {
          // Too late to reopen: the reply starts a new complaint that points back to this one.
          const next = await this.insert(tx, clubId, settings, {
            memberId: r.member_id,
            orderExternalId: r.order_external_id,
            category: r.category_key,
            channel: 'portal',
            priority: r.priority,
            description: input.message,
            attachments: [],
            author,
            authorType: 'member',
            previousComplaintId: r.complaint_id,
            surveyResponseId: null,
          });
          return { id: next.complaint_id, created: true };
        }
        const to: TComplaintStatus | null =
          from === 'resolved' ? 'reopened' : from === 'waiting_on_customer' ? 'in_progress' : null;
        if (to) this.move(r, to, cal, now, 'member');
        r.updated_at = now;
        await repo.saveComplaint(tx, r);
        await repo.appendEvent(tx, clubId, complaintId, {
          at: now,
          author_type: 'member',
          author,
          kind: 'reply',
          from_status: to ? from : null,
          to_status: to,
          customer_note: input.message,
          internal_note: null,
          details: null,
        });
        if (to) {
          const note = to === 'reopened' ? 'شکایت شما دوباره باز شد.' : 'پاسخ شما دریافت شد.';
          await enqueueEvents(tx, clubId, [statusEvent(r, from, to, note)]);
        }
        return { id: r.complaint_id, created: false };
      }
      if (from === 'closed')
        throw new AppError('complaint_transition_forbidden', 'The complaint is closed.', {
          from,
          allowed: [],
        });
      // A staff reply is a response: the first one stops the first-response clock.
      if (!r.first_response_at) {
        r.first_response_at = now;
        r.first_response_minutes = businessMinutesBetween(cal, r.created_at, now);
      }
      r.updated_at = now;
      await repo.saveComplaint(tx, r);
      await repo.appendEvent(tx, clubId, complaintId, {
        at: now,
        author_type: 'staff',
        author,
        kind: 'reply',
        from_status: null,
        to_status: null,
        customer_note: input.message,
        internal_note: null,
        details: null,
      });
      await enqueueEvents(tx, clubId, [
        { type: 'complaint.replied', payload: { memberId: r.member_id, complaintId, note: input.message } },
      ]);
      return { id: r.complaint_id, created: false };
    });
    return { status: resultId.created ? 201 : 200, body: await this.get(clubId, resultId.id) };
  }

  async patch(clubId: string, complaintId: string, input: TPatchComplaint): Promise<TComplaint> {
    const settings = await readSettings(this.db, clubId);
    await this.db.transaction(async (tx) => {
      const r = await repo.findComplaint(tx, clubId, complaintId, true);
      if (!r) throw notFound('Complaint', complaintId);
      if (input.category && !(await repo.hasKey(tx, 'complaint_categories', clubId, input.category))) {
        throw fieldError('category', 'not in the club’s categories');
      }
      if (input.assignee !== undefined) r.assignee = input.assignee;
      if (input.category !== undefined) r.category_key = input.category;
      if (input.priority && input.priority !== r.priority) {
        r.priority = input.priority;
        r.first_response_target_minutes = settings.slaTargets[input.priority].firstResponseMinutes;
        r.resolution_target_minutes = settings.slaTargets[input.priority].resolutionMinutes;
      }
      r.updated_at = this.clock();
      await repo.saveComplaint(tx, r);
    });
    return this.get(clubId, complaintId);
  }

  // ---- The member's side (the portal): only their own complaints, only what is meant for them ----

  /** The member's complaints, newest first; another member's never appear. */
  async listForMember(
    clubId: string,
    memberId: string,
    q: { before?: string | undefined; limit: number },
  ): Promise<{ items: TComplaint[]; nextCursor: string | null }> {
    const settings = await readSettings(this.db, clubId);
    const rows = await repo.listMemberComplaints(this.db, clubId, memberId, q.before, q.limit);
    const cal = calendarOf(settings);
    const now = this.clock();
    return {
      items: rows.map((r) => this.toComplaint(r, cal, settings, now)),
      nextCursor: rows.length === q.limit ? rows[rows.length - 1]!.complaint_id : null,
    };
  }

  /**
   * One complaint of the member with its public timeline: internal notes and staff names are left out.
   * Another member's complaint is not_found, as if it did not exist.
   */
  async getForMember(clubId: string, memberId: string, complaintId: string): Promise<TComplaint> {
    const r = await repo.findComplaint(this.db, clubId, complaintId);
    if (!r || r.member_id !== memberId) throw notFound('Complaint', complaintId);
    const c = await this.get(clubId, complaintId);
    return {
      ...c,
      timeline: (c.timeline ?? [])
        .filter((e) => e.kind !== 'note')
        .map((e) => ({
          ...e,
          author: e.authorType === 'member' ? e.author : null,
          internalNote: null,
          // Root causes are the staff's classification; a compensation is what the member was given.
          details: e.kind === 'compensation' ? e.details : null,
        })),
    };
  }

  /** A member's reply: adds information, reopens within the window, or opens a follow-up complaint. */
  async replyAsMember(
    clubId: string,
    memberId: string,
    complaintId: string,
    message: string,
    author: string,
  ): Promise<{ status: number; body: TComplaint }> {
    await this.getForMember(clubId, memberId, complaintId);
    const res = await this.reply(clubId, complaintId, { from: 'member', message, author }, author);
    return { status: res.status, body: await this.getForMember(clubId, memberId, res.body.id) };
  }

  /** The member confirms a resolved complaint is settled: it closes now instead of after the window. */
  async confirmResolvedByMember(
    clubId: string,
    memberId: string,
    complaintId: string,
    author: string,
  ): Promise<TComplaint> {
    const settings = await readSettings(this.db, clubId);
    const cal = calendarOf(settings);
    await this.db.transaction(async (tx) => {
      const r = await repo.findComplaint(tx, clubId, complaintId, true);
      if (!r || r.member_id !== memberId) throw notFound('Complaint', complaintId);
      if (r.status !== 'resolved') {
        throw new AppError(
          'complaint_transition_forbidden',
          `Only a resolved complaint can be confirmed; this one is ${r.status}.`,
          { from: r.status, to: 'closed', allowed: TRANSITIONS[r.status as TComplaintStatus] },
        );
      }
      const now = this.clock();
      this.move(r, 'closed', cal, now, 'member');
      await repo.saveComplaint(tx, r);
      const note = 'شما حل شدن شکایت را تأیید کردید. سپاسگزاریم.';
      await repo.appendEvent(tx, clubId, complaintId, {
        at: now,
        author_type: 'member',
        author,
        kind: 'status',
        from_status: 'resolved',
        to_status: 'closed',
        customer_note: note,
        internal_note: null,
        details: { confirmedByMember: true },
      });
      await enqueueEvents(tx, clubId, [statusEvent(r, 'resolved', 'closed', note)]);
    });
    return this.getForMember(clubId, memberId, complaintId);
  }

  /** Moves the status and its SLA clock: the clock runs except while waiting on the customer or resolved. */
  private move(
    r: repo.ComplaintRow,
    to: TComplaintStatus,
    cal: BusinessCalendar,
    now: Date,
    by: 'staff' | 'member',
  ) {
    if (by === 'staff' && !r.first_response_at) {
      r.first_response_at = now;
      r.first_response_minutes = businessMinutesBetween(cal, r.created_at, now);
    }
    const running = RUNNING.has(to);
    if (!running && r.sla_clock_since) {
      r.sla_used_minutes += businessMinutesBetween(cal, r.sla_clock_since, now);
      r.sla_clock_since = null;
    } else if (running && !r.sla_clock_since) {
      r.sla_clock_since = now;
    }
    if (to === 'resolved') {
      r.resolved_at = now;
      r.resolution_minutes = r.sla_used_minutes;
    }
    if (to === 'closed') r.closed_at = now;
    r.status = to;
    r.updated_at = now;
  }

  toComplaint(r: repo.ComplaintRow, cal: BusinessCalendar, s: TVocSettings, now: Date): TComplaint {
    const warnAt = (target: number) => Math.ceil((target * s.slaWarningPercent) / 100);
    const state = (used: number, target: number) =>
      used >= target
        ? ('breached' as const)
        : used >= warnAt(target)
          ? ('warning' as const)
          : ('ok' as const);
    const frTarget = r.first_response_target_minutes;
    const firstResponse = r.first_response_at
      ? {
          targetMinutes: frTarget,
          usedMinutes: r.first_response_minutes ?? 0,
          dueAt: null,
          state: (r.first_response_minutes ?? 0) <= frTarget ? ('met' as const) : ('missed' as const),
        }
      : (() => {
          const used = businessMinutesBetween(cal, r.created_at, now);
          const due = addBusinessMinutes(cal, r.created_at, frTarget);
          return {
            targetMinutes: frTarget,
            usedMinutes: used,
            dueAt: due?.toISOString() ?? null,
            state: state(used, frTarget),
          };
        })();
    const resTarget = r.resolution_target_minutes;
    const done = r.status === 'resolved' || r.status === 'closed';
    const used =
      r.sla_used_minutes + (r.sla_clock_since ? businessMinutesBetween(cal, r.sla_clock_since, now) : 0);
    const resolution = done
      ? {
          targetMinutes: resTarget,
          usedMinutes: r.resolution_minutes ?? used,
          dueAt: null,
          state: (r.resolution_minutes ?? used) <= resTarget ? ('met' as const) : ('missed' as const),
        }
      : {
          targetMinutes: resTarget,
          usedMinutes: used,
          dueAt: r.sla_clock_since
            ? (addBusinessMinutes(cal, r.sla_clock_since, resTarget - r.sla_used_minutes)?.toISOString() ??
              null)
            : null,
          state: state(used, resTarget),
        };
    return {
      id: r.complaint_id,
      memberExternalId: r.member_external_id,
      orderExternalId: r.order_external_id,
      category: r.category_key,
      channel: r.channel,
      priority: r.priority,
      description: r.description,
      attachments: r.attachments,
      status: r.status as TComplaintStatus,
      assignee: r.assignee,
      rootCause: r.root_cause_key,
      previousComplaintId: r.previous_complaint_id,
      surveyResponseId: r.survey_response_id,
      sla: { paused: !done && !r.sla_clock_since, firstResponse, resolution },
      createdAt: r.created_at.toISOString(),
      resolvedAt: r.resolved_at?.toISOString() ?? null,
      closedAt: r.closed_at?.toISOString() ?? null,
      updatedAt: r.updated_at.toISOString(),
    };
  }

  // ---- Categories, root causes and fixes ----

  async replaceCategories(clubId: string, input: TCategories): Promise<TCategories> {
    const keys = new Set(input.items.map((c) => c.key));
    input.items.forEach((c, i) => {
      if (c.parentKey && !keys.has(c.parentKey))
        throw fieldError(`items.${i}.parentKey`, 'no such category in the list');
      if (c.parentKey === c.key)
        throw fieldError(`items.${i}.parentKey`, 'a category cannot be its own parent');
    });
    if (keys.size !== input.items.length) throw fieldError('items', 'keys must be unique');
    // A loop in the tree (a → b → a) would make "the path of a category" endless.
    const parent = new Map(input.items.map((c) => [c.key, c.parentKey ?? null]));
    for (const [i, c] of input.items.entries()) {
      let at: string | null = c.key;
      for (let depth = 0; at; depth++) {
        if (depth > input.items.length) throw fieldError(`items.${i}.parentKey`, 'the tree has a loop');
        at = parent.get(at) ?? null;
      }
    }
    await this.db.transaction(async (tx) => {
      await tx.query('delete from complaint_categories where club_id = $1', [clubId]);
      for (const c of input.items) {
        await tx.query(
          'insert into complaint_categories (club_id, category_key, parent_key, name_fa, name_en) values ($1, $2, $3, $4, $5)',
          [clubId, c.key, c.parentKey ?? null, c.nameFa, c.nameEn ?? null],
        );
      }
    });
    return this.listCategories(clubId);
  }

  async listCategories(clubId: string): Promise<TCategories> {
    const { rows } = await this.db.query<{
      category_key: string;
      parent_key: string | null;
      name_fa: string;
      name_en: string | null;
    }>(
      'select category_key, parent_key, name_fa, name_en from complaint_categories where club_id = $1 order by category_key',
      [clubId],
    );
    return {
      items: rows.map((r) => ({
        key: r.category_key,
        parentKey: r.parent_key,
        nameFa: r.name_fa,
        nameEn: r.name_en,
      })),
    };
  }

  /** Adds or renames root causes; causes not listed are kept (complaints refer to them). */
  async upsertRootCauses(clubId: string, input: TRootCauses): Promise<TRootCauses> {
    await this.db.transaction(async (tx) => {
      for (const c of input.items) {
        await tx.query(
          `insert into root_causes (club_id, cause_key, name_fa, name_en) values ($1, $2, $3, $4)
           on conflict (club_id, cause_key) do update set name_fa = excluded.name_fa, name_en = excluded.name_en`,
          [clubId, c.key, c.nameFa, c.nameEn ?? null],
        );
      }
    });
    return this.listRootCauses(clubId);
  }

  async listRootCauses(clubId: string): Promise<TRootCauses> {
    const { rows } = await this.db.query<{ cause_key: string; name_fa: string; name_en: string | null }>(
      'select cause_key, name_fa, name_en from root_causes where club_id = $1 order by cause_key',
      [clubId],
    );
    return { items: rows.map((r) => ({ key: r.cause_key, nameFa: r.name_fa, nameEn: r.name_en })) };
  }

  async recordFix(clubId: string, key: string, input: { note: string; fixedAt?: string | undefined }) {
    if (!(await repo.hasKey(this.db, 'root_causes', clubId, key))) throw notFound('Root cause', key);
    const fixedAt = input.fixedAt ? new Date(input.fixedAt) : this.clock();
    if (fixedAt.getTime() > this.clock().getTime() + 60_000)
      throw fieldError('fixedAt', 'must not be in the future');
    const id = newId('fix');
    await this.db.query(
      'insert into root_cause_fixes (club_id, fix_id, cause_key, fixed_at, note) values ($1, $2, $3, $4, $5)',
      [clubId, id, key, fixedAt, input.note],
    );
    return { id, rootCause: key, fixedAt: fixedAt.toISOString(), note: input.note };
  }

  // ---- Reports ----

  async rootCauseReport(clubId: string, q: TRange) {
    const { from, to } = rangeOf(q, this.clock());
    const { rows } = await this.db.query<{ cause: string; day: string; n: number }>(
      `select root_cause_key as cause, to_char(created_at at time zone 'Asia/Tehran', 'YYYY-MM-DD') as day, count(*)::int as n
       from complaints where club_id = $1 and root_cause_key is not null and created_at >= $2 and created_at < $3
       group by 1, 2`,
      [clubId, from, to],
    );
    const cells = new Map<string, { period: string; rootCause: string; complaints: number }>();
    const totals = new Map<string, number>();
    for (const r of rows) {
      const period = bucketOf(r.day, q.by);
      const k = `${period}|${r.cause}`;
      const cell = cells.get(k) ?? { period, rootCause: r.cause, complaints: 0 };
      cell.complaints += r.n;
      cells.set(k, cell);
      totals.set(r.cause, (totals.get(r.cause) ?? 0) + r.n);
    }
    return {
      by: q.by,
      rows: [...cells.values()].sort(
        (a, b) => a.period.localeCompare(b.period) || b.complaints - a.complaints,
      ),
      totals: [...totals]
        .map(([rootCause, complaints]) => ({ rootCause, complaints }))
        .sort((a, b) => b.complaints - a.complaints),
    };
  }

  async repeatComplainers(clubId: string, q: { days: number; minComplaints: number; limit: number }) {
    const since = new Date(this.clock().getTime() - q.days * 86_400_000);
    const { rows } = await this.db.query<{ external_id: string; n: number; last_at: Date }>(
      `select m.external_id, count(*)::int as n, max(c.created_at) as last_at
       from complaints c join members m on m.club_id = c.club_id and m.member_id = c.member_id
       where c.club_id = $1 and c.created_at >= $2
       group by m.external_id having count(*) >= $3 order by n desc, last_at desc limit $4`,
      [clubId, since, q.minComplaints, q.limit],
    );
    return {
      items: rows.map((r) => ({
        memberExternalId: r.external_id,
        complaints: r.n,
        lastAt: r.last_at.toISOString(),
      })),
    };
  }

  async slaReport(clubId: string, q: { from?: string | undefined; to?: string | undefined }) {
    const { from, to } = rangeOf(q, this.clock());
    const group = async (col: 'category_key' | 'assignee') => {
      const { rows } = await this.db.query<{ key: string | null; n: number; fr: number; res: number }>(
        `select ${col} as key, count(*)::int as n,
           count(*) filter (where first_response_minutes <= first_response_target_minutes)::int as fr,
           count(*) filter (where resolution_minutes <= resolution_target_minutes)::int as res
         from complaints where club_id = $1 and resolved_at >= $2 and resolved_at < $3 and resolution_minutes is not null
         group by 1 order by 2 desc`,
        [clubId, from, to],
      );
      const pct = (x: number, n: number) => (n === 0 ? null : Math.round((x / n) * 1000) / 10);
      return rows.map((r) => ({
        key: r.key,
        resolved: r.n,
        firstResponseMet: r.fr,
        resolutionMet: r.res,
        firstResponseRate: pct(r.fr, r.n),
        resolutionRate: pct(r.res, r.n),
      }));
    };
    return { byCategory: await group('category_key'), byAgent: await group('assignee') };
  }

  /** For each root cause's latest fix: complaints with that cause since, against as long a time before. */
  async recurrenceReport(clubId: string) {
    const now = this.clock();
    const { rows } = await this.db.query<{
      cause_key: string;
      fixed_at: Date;
      note: string;
      before: number;
      after: number;
    }>(
      `select f.cause_key, f.fixed_at, f.note,
         (select count(*)::int from complaints c where c.club_id = f.club_id and c.root_cause_key = f.cause_key
            and c.created_at >= f.fixed_at - ($2::timestamptz - f.fixed_at) and c.created_at < f.fixed_at) as before,
         (select count(*)::int from complaints c where c.club_id = f.club_id and c.root_cause_key = f.cause_key
            and c.created_at >= f.fixed_at) as after
       from (select distinct on (cause_key) * from root_cause_fixes where club_id = $1 order by cause_key, fixed_at desc) f
       order by after desc, f.cause_key`,
      [clubId, now],
    );
    return {
      items: rows.map((r) => ({
        rootCause: r.cause_key,
        fixedAt: r.fixed_at.toISOString(),
        fixNote: r.note,
        complaintsBefore: r.before,
        complaintsAfter: r.after,
      })),
    };
  }

  // ---- The job: SLA flags and closing resolved complaints ----

  /** Flags warnings and breaches (once each, with an outbox event for staff) and closes resolved complaints past the reopen window. */
  async scan(clubId: string): Promise<{ warned: number; breached: number; closed: number }> {
    const settings = await readSettings(this.db, clubId);
    const cal = calendarOf(settings);
    const now = this.clock();
    let warned = 0;
    let breached = 0;
    // Every open, unbreached complaint is looked at, a page at a time; a transaction is opened only
    // for the few that cross a threshold, and the row is read again under its lock there.
    const flagged: string[] = [];
    for (let after = ''; ; ) {
      const page = await repo.listOpenForScan(this.db, clubId, after, SCAN_PAGE);
      for (const r of page) {
        const view = this.toComplaint(r, cal, settings, now);
        const states = [view.sla.firstResponse.state, view.sla.resolution.state];
        if (states.includes('breached') || (states.includes('warning') && !r.warned_at))
          flagged.push(r.complaint_id);
      }
      if (page.length < SCAN_PAGE) break;
      after = page[page.length - 1]!.complaint_id;
    }
    for (const complaint_id of flagged) {
      await this.db.transaction(async (tx) => {
        const r = await repo.findComplaint(tx, clubId, complaint_id, true);
        if (!r || r.breached_at || r.status === 'resolved' || r.status === 'closed') return;
        const view = this.toComplaint(r, cal, settings, now);
        const states = [view.sla.firstResponse.state, view.sla.resolution.state];
        const events = [];
        if (states.includes('breached') && !r.breached_at) {
          r.breached_at = now;
          r.warned_at ??= now;
          breached++;
          events.push({
            type: 'complaint.sla_breached',
            payload: {
              complaintId: r.complaint_id,
              priority: r.priority,
              assignee: r.assignee,
              sla: view.sla,
            },
          });
        } else if (states.includes('warning') && !r.warned_at) {
          r.warned_at = now;
          warned++;
          events.push({
            type: 'complaint.sla_warning',
            payload: {
              complaintId: r.complaint_id,
              priority: r.priority,
              assignee: r.assignee,
              sla: view.sla,
            },
          });
        }
        if (events.length === 0) return;
        await tx.query(
          'update complaints set warned_at = $3, breached_at = $4 where club_id = $1 and complaint_id = $2',
          [clubId, r.complaint_id, r.warned_at, r.breached_at],
        );
        await enqueueEvents(tx, clubId, events);
      });
    }
    const due = await this.db.query<{ complaint_id: string }>(
      `select complaint_id from complaints where club_id = $1 and status = 'resolved' and resolved_at <= $2 limit 1000`,
      [clubId, new Date(now.getTime() - settings.reopenWindowDays * 86_400_000)],
    );
    for (const { complaint_id } of due.rows) {
      await this.db.transaction(async (tx) => {
        const r = await repo.findComplaint(tx, clubId, complaint_id, true);
        if (r?.status !== 'resolved') return;
        this.move(r, 'closed', cal, now, 'member');
        await repo.saveComplaint(tx, r);
        const note = 'پرونده بسته شد. از اینکه به ما گفتید سپاسگزاریم.';
        await repo.appendEvent(tx, clubId, complaint_id, {
          at: now,
          author_type: 'system',
          author: null,
          kind: 'status',
          from_status: 'resolved',
          to_status: 'closed',
          customer_note: note,
          internal_note: null,
          details: null,
        });
        await enqueueEvents(tx, clubId, [statusEvent(r, 'resolved', 'closed', note)]);
      });
    }
    return { warned, breached, closed: due.rows.length };
  }
}

function statusEvent(
  r: repo.ComplaintRow,
  from: TComplaintStatus,
  to: TComplaintStatus,
  note: string | null,
  compensation?: { points?: number | undefined; couponCode?: string | undefined },
) {
  return {
    type: 'complaint.status_changed',
    payload: {
      memberId: r.member_id,
      complaintId: r.complaint_id,
      from,
      to,
      statusLabel: STATUS_LABELS_FA[to],
      note: note ?? '',
      rootCause: r.root_cause_key,
      compensationPoints: compensation?.points ?? null,
      couponCode: compensation?.couponCode ?? null,
    },
  };
}

function toEntry(e: repo.EventRow) {
  return {
    seq: e.seq,
    at: e.at.toISOString(),
    authorType: e.author_type,
    author: e.author,
    kind: e.kind,
    fromStatus: e.from_status,
    toStatus: e.to_status,
    customerNote: e.customer_note,
    internalNote: e.internal_note,
    details: e.details,
  };
}
