import { randomBytes } from 'node:crypto';
import type { Db, Queryable } from '../../db/db.js';
import { AppError, notFound } from '../../errors.js';
import type { Services } from '../../http/types.js';
import { newId, sha256Hex } from '../../lib/ids.js';
import { formatJalaliDate } from '../../lib/tehran-time.js';
import { enqueueEvents } from '../outbox/index.js';
import { bucketOf } from './business-time.js';
import type { ComplaintRow } from './complaints.repo.js';
import { type ComplaintsService, raiseMemberEvent, rangeOf } from './complaints.service.js';
import { needsFollowUp, SCALES, type ScoreSummary, summarise, type TSurveyKind } from './metrics.js';
import { fieldError, readSettings } from './settings.js';
import {
  SURVEY_LIMITS,
  type TAnswer,
  type TCreateSurvey,
  type TCreateTouchpoint,
  type TInvitation,
  type TInvite,
  type TResultsQuery,
  type TSurvey,
  type TTouchpoint,
} from './surveys.schema.js';

/** The event type raised through the club's event rules when a member answers a survey. */
export const SURVEY_ANSWERED = 'survey_answered';

interface SurveyRow {
  survey_id: string;
  kind: TSurveyKind;
  title: string;
  question: string;
  questions: TSurvey['questions'];
  is_active: boolean;
  created_at: Date;
}
interface TouchpointRow {
  touchpoint_id: string;
  survey_id: string;
  trigger: TTouchpoint['trigger'];
  department: TTouchpoint['department'];
  delay_hours: number;
  period_days: number | null;
  channel: 'sms' | 'email';
  is_active: boolean;
  scanned_until: Date;
  created_at: Date;
}
interface InvitationRow {
  invitation_id: string;
  survey_id: string;
  touchpoint_id: string;
  member_id: string;
  member_external_id: string;
  subject_type: string;
  subject_id: string;
  status: TInvitation['status'];
  drop_reason: string | null;
  due_at: Date;
  sent_at: Date | null;
  expires_at: Date | null;
  answered_at: Date | null;
}

const INVITATION_SELECT = `select i.*, m.external_id as member_external_id from survey_invitations i
  join members m on m.club_id = i.club_id and m.member_id = i.member_id`;

const toSurvey = (r: SurveyRow): TSurvey => ({
  id: r.survey_id,
  kind: r.kind,
  title: r.title,
  question: r.question,
  questions: r.questions,
  isActive: r.is_active,
  createdAt: r.created_at.toISOString(),
});
const toTouchpoint = (r: TouchpointRow): TTouchpoint => ({
  id: r.touchpoint_id,
  surveyId: r.survey_id,
  trigger: r.trigger,
  department: r.department,
  delayHours: r.delay_hours,
  periodDays: r.period_days,
  channel: r.channel,
  isActive: r.is_active,
  createdAt: r.created_at.toISOString(),
});
const toInvitation = (r: InvitationRow): TInvitation => ({
  id: r.invitation_id,
  surveyId: r.survey_id,
  touchpointId: r.touchpoint_id,
  memberExternalId: r.member_external_id,
  subjectType: r.subject_type,
  subjectId: r.subject_id,
  status: r.status,
  dropReason: r.drop_reason,
  dueAt: r.due_at.toISOString(),
  sentAt: r.sent_at?.toISOString() ?? null,
  expiresAt: r.expires_at?.toISOString() ?? null,
  answeredAt: r.answered_at?.toISOString() ?? null,
});

export class SurveysService {
  constructor(
    private readonly db: Db,
    private readonly services: Services,
    private readonly complaints: ComplaintsService,
    private readonly clock: () => Date,
  ) {}

  async createSurvey(clubId: string, input: TCreateSurvey): Promise<TSurvey> {
    input.questions.forEach((q, i) => {
      if (q.type === 'choice' && !q.choices)
        throw fieldError(`questions.${i}.choices`, 'required for a choice question');
      if (q.type === 'text' && (q.choices || q.multiple))
        throw fieldError(`questions.${i}.choices`, 'only for a choice question');
    });
    if (new Set(input.questions.map((q) => q.id)).size !== input.questions.length) {
      throw fieldError('questions', 'question ids must be unique');
    }
    const id = newId('srv');
    await this.db.query(
      `insert into surveys (club_id, survey_id, kind, title, question, questions, created_at) values ($1, $2, $3, $4, $5, $6::jsonb, $7)`,
      [clubId, id, input.kind, input.title, input.question, JSON.stringify(input.questions), this.clock()],
    );
    return this.getSurvey(clubId, id);
  }

  async getSurvey(clubId: string, surveyId: string, db: Queryable = this.db): Promise<TSurvey> {
    const { rows } = await db.query<SurveyRow>(
      'select * from surveys where club_id = $1 and survey_id = $2',
      [clubId, surveyId],
    );
    if (!rows[0]) throw notFound('Survey', surveyId);
    return toSurvey(rows[0]);
  }

  async listSurveys(clubId: string): Promise<{ items: TSurvey[] }> {
    const { rows } = await this.db.query<SurveyRow>(
      'select * from surveys where club_id = $1 order by created_at, survey_id limit 500',
      [clubId],
    );
    return { items: rows.map(toSurvey) };
  }

  async setSurveyActive(clubId: string, surveyId: string, isActive: boolean): Promise<TSurvey> {
    const res = await this.db.query(
      'update surveys set is_active = $3 where club_id = $1 and survey_id = $2',
      [clubId, surveyId, isActive],
    );
    if (res.rowCount === 0) throw notFound('Survey', surveyId);
    return this.getSurvey(clubId, surveyId);
  }

  async createTouchpoint(clubId: string, input: TCreateTouchpoint): Promise<TTouchpoint> {
    await this.getSurvey(clubId, input.surveyId).catch(() => {
      // A well-formed id naming nothing in this club (another club's survey too) is a 404, like every
      // other body reference, not a schema error.
      throw new AppError('not_found', 'surveyId: no such survey in this club', {
        errors: [{ field: 'surveyId', in: 'body', message: 'no such survey in this club' }],
      });
    });
    if (input.trigger === 'periodic' && !input.periodDays)
      throw fieldError('periodDays', 'required for a periodic touchpoint');
    if (input.trigger !== 'periodic' && input.periodDays)
      throw fieldError('periodDays', 'only for a periodic touchpoint');
    const delay = input.delayHours ?? (input.trigger === 'complaint_resolved' ? 24 : 0);
    const id = newId('tp');
    const now = this.clock();
    // History before the touchpoint existed is not surveyed: the scan starts now.
    await this.db.query(
      `insert into survey_touchpoints (club_id, touchpoint_id, survey_id, trigger, department, delay_hours, period_days,
         channel, scanned_until, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, now(), $9)`,
      [
        clubId,
        id,
        input.surveyId,
        input.trigger,
        input.department,
        delay,
        input.periodDays ?? null,
        input.channel,
        now,
      ],
    );
    return (await this.listTouchpoints(clubId)).items.find((t) => t.id === id)!;
  }

  async listTouchpoints(clubId: string): Promise<{ items: TTouchpoint[] }> {
    const { rows } = await this.db.query<TouchpointRow>(
      'select * from survey_touchpoints where club_id = $1 order by created_at, touchpoint_id limit 500',
      [clubId],
    );
    return { items: rows.map(toTouchpoint) };
  }

  async setTouchpointActive(clubId: string, touchpointId: string, isActive: boolean): Promise<TTouchpoint> {
    const res = await this.db.query(
      'update survey_touchpoints set is_active = $3 where club_id = $1 and touchpoint_id = $2',
      [clubId, touchpointId, isActive],
    );
    if (res.rowCount === 0) throw notFound('Touchpoint', touchpointId);
    return (await this.listTouchpoints(clubId)).items.find((t) => t.id === touchpointId)!;
  }

  /** Schedules one invitation now; answers duplicate=true when the member was already asked about the subject. */
  async invite(
    clubId: string,
    input: TInvite,
  ): Promise<{ invitation: TInvitation | null; duplicate: boolean }> {
    return this.db.transaction(async (tx) => {
      const tp = (
        await tx.query<TouchpointRow>(
          'select * from survey_touchpoints where club_id = $1 and touchpoint_id = $2',
          [clubId, input.touchpointId],
        )
      ).rows[0];
      if (!tp)
        throw new AppError('not_found', 'touchpointId: no such touchpoint in this club', {
          errors: [{ field: 'touchpointId', in: 'body', message: 'no such touchpoint in this club' }],
        });
      const memberId = await this.services.members
        .getMemberId(clubId, input.memberExternalId, tx)
        .catch(() => {
          throw fieldError('memberExternalId', 'no such member in this club', 'member_not_found');
        });
      let subject: [string, string] = ['member', `manual:${newId('x')}`];
      if (input.orderExternalId) {
        const { rows } = await tx.query<{ order_id: string }>(
          'select order_id from orders where club_id = $1 and external_id = $2 and member_id = $3',
          [clubId, input.orderExternalId, memberId],
        );
        if (!rows[0]) throw fieldError('orderExternalId', 'no such order of this member');
        subject = ['order', rows[0].order_id];
      }
      const id = await insertInvitation(tx, clubId, tp, memberId, subject, this.clock(), this.clock());
      if (!id) return { invitation: null, duplicate: true };
      const { rows } = await tx.query<InvitationRow>(
        `${INVITATION_SELECT} where i.club_id = $1 and i.invitation_id = $2`,
        [clubId, id],
      );
      return { invitation: toInvitation(rows[0]!), duplicate: false };
    });
  }

  async listInvitations(
    clubId: string,
    q: { memberExternalId?: string | undefined; status?: string | undefined; limit: number },
  ) {
    const memberId = q.memberExternalId
      ? await this.services.members.getMemberId(clubId, q.memberExternalId)
      : null;
    const { rows } = await this.db.query<InvitationRow>(
      `${INVITATION_SELECT} where i.club_id = $1 and ($2::text is null or i.member_id = $2) and ($3::text is null or i.status = $3)
       order by i.created_at desc, i.invitation_id desc limit $4`,
      [clubId, memberId, q.status ?? null, q.limit],
    );
    return { items: rows.map(toInvitation) };
  }

  /** The resolving transaction's hook: a CSAT (or whatever the touchpoint names) survey after the resolution. */
  async onComplaintResolved(tx: Queryable, clubId: string, c: ComplaintRow, now: Date): Promise<void> {
    const { rows } = await tx.query<TouchpointRow>(
      `select t.* from survey_touchpoints t join surveys s on s.club_id = t.club_id and s.survey_id = t.survey_id
       where t.club_id = $1 and t.trigger = 'complaint_resolved' and t.is_active and s.is_active`,
      [clubId],
    );
    for (const tp of rows) {
      await insertInvitation(
        tx,
        clubId,
        tp,
        c.member_id,
        ['complaint', c.complaint_id],
        new Date(now.getTime() + tp.delay_hours * 3_600_000),
        now,
      );
    }
  }

  /** Finds deliveries, first orders and periodic members for each active touchpoint and schedules invitations. */
  async scheduleTouchpoints(clubId: string): Promise<number> {
    const { rows: tps } = await this.db.query<TouchpointRow>(
      `select t.* from survey_touchpoints t join surveys s on s.club_id = t.club_id and s.survey_id = t.survey_id
       where t.club_id = $1 and t.is_active and s.is_active and t.trigger in ('order_delivered', 'first_order', 'periodic')`,
      [clubId],
    );
    let scheduled = 0;
    for (const tp of tps) {
      scheduled += await this.db.transaction(async (tx) => {
        const now = this.clock();
        // Orders are found by their row's update time (database time), which a late-recorded delivery
        // also moves; a minute of overlap covers transactions that committed while the last scan ran,
        // and the unique subject index drops what was already scheduled.
        const { rows: clockRows } = await tx.query<{ db_now: Date }>('select now() as db_now');
        const dbNow = clockRows[0]!.db_now;
        const since = new Date(tp.scanned_until.getTime() - 60_000);
        let n = 0;
        if (tp.trigger === 'order_delivered') {
          const { rows } = await tx.query<{ member_id: string; order_id: string; delivered_at: Date }>(
            `select member_id, order_id, delivered_at from orders where club_id = $1 and status = 'delivered'
               and updated_at > $2 and delivered_at > $3 order by updated_at limit $4`,
            [clubId, since, new Date(now.getTime() - 14 * 86_400_000), SURVEY_LIMITS.scheduleBatch],
          );
          for (const o of rows) {
            const due = new Date(o.delivered_at.getTime() + tp.delay_hours * 3_600_000);
            if (await insertInvitation(tx, clubId, tp, o.member_id, ['order', o.order_id], due, now)) n++;
          }
        } else if (tp.trigger === 'first_order') {
          const { rows } = await tx.query<{ member_id: string; placed_at: Date }>(
            `select o.member_id, o.placed_at from orders o where o.club_id = $1 and o.created_at > $2 and o.status <> 'cancelled'
               and not exists (select 1 from orders p where p.club_id = o.club_id and p.member_id = o.member_id and p.placed_at < o.placed_at)
             limit $3`,
            [clubId, since, SURVEY_LIMITS.scheduleBatch],
          );
          for (const o of rows) {
            const due = new Date(o.placed_at.getTime() + tp.delay_hours * 3_600_000);
            if (
              await insertInvitation(
                tx,
                clubId,
                tp,
                o.member_id,
                ['member', `first_order:${tp.touchpoint_id}`],
                due,
                now,
              )
            )
              n++;
          }
        } else {
          // Relationship survey: each member with an order and consent on the channel, once per period.
          const period = Math.floor(now.getTime() / (tp.period_days! * 86_400_000));
          const { rows } = await tx.query<{ member_id: string }>(
            `select m.member_id from members m where m.club_id = $1
               and (case when $2 = 'sms' then m.consent_sms and m.mobile is not null else m.consent_email and m.email is not null end)
               and exists (select 1 from orders o where o.club_id = m.club_id and o.member_id = m.member_id)
               and not exists (select 1 from survey_invitations i where i.club_id = m.club_id and i.member_id = m.member_id
                                 and i.subject_type = 'period' and i.subject_id = $3)
             limit $4`,
            [clubId, tp.channel, `${tp.touchpoint_id}:${period}`, SURVEY_LIMITS.scheduleBatch],
          );
          for (const m of rows) {
            if (
              await insertInvitation(
                tx,
                clubId,
                tp,
                m.member_id,
                ['period', `${tp.touchpoint_id}:${period}`],
                now,
                now,
              )
            )
              n++;
          }
        }
        await tx.query(
          'update survey_touchpoints set scanned_until = $3 where club_id = $1 and touchpoint_id = $2',
          [clubId, tp.touchpoint_id, dbNow],
        );
        return n;
      });
    }
    return scheduled;
  }

  /**
   * Sends invitations that are due: throttled by the club's cooldown (a member is asked at most once
   * per cooldown across all surveys; a dropped send is kept as `throttled` and counted in the results),
   * cancelled when the survey or touchpoint was switched off or the complaint was reopened; otherwise
   * a personal link is made and the `survey.due` outbox event carries it to the notifications module.
   */
  async sendDue(clubId: string): Promise<{ sent: number; throttled: number; cancelled: number }> {
    const settings = await readSettings(this.db, clubId);
    const now = this.clock();
    const { rows } = await this.db.query<{ invitation_id: string }>(
      `select invitation_id from survey_invitations where club_id = $1 and status = 'scheduled' and due_at <= $2
       order by due_at, invitation_id limit $3`,
      [clubId, now, SURVEY_LIMITS.sendBatch],
    );
    const out = { sent: 0, throttled: 0, cancelled: 0 };
    for (const { invitation_id } of rows) {
      const outcome = await this.db.transaction(async (tx) => {
        const i = (
          await tx.query<
            InvitationRow & {
              survey_active: boolean;
              tp_active: boolean;
              title: string;
              channel: string;
              department: string;
              complaint_status: string | null;
            }
          >(
            `${INVITATION_SELECT.replace(
              'select i.*,',
              `select i.*, s.is_active as survey_active, t.is_active as tp_active, s.title, t.channel, t.department,
               (select c.status from complaints c where c.club_id = i.club_id and c.complaint_id = i.subject_id and i.subject_type = 'complaint') as complaint_status,`,
            )}
             join surveys s on s.club_id = i.club_id and s.survey_id = i.survey_id
             join survey_touchpoints t on t.club_id = i.club_id and t.touchpoint_id = i.touchpoint_id
             where i.club_id = $1 and i.invitation_id = $2 and i.status = 'scheduled' for update of i`,
            [clubId, invitation_id],
          )
        ).rows[0];
        if (!i) return null;
        const drop = async (status: 'throttled' | 'cancelled', reason: string) => {
          await tx.query(
            `update survey_invitations set status = $3, drop_reason = $4 where club_id = $1 and invitation_id = $2`,
            [clubId, invitation_id, status, reason],
          );
          return status;
        };
        if (!i.survey_active || !i.tp_active) return drop('cancelled', 'inactive');
        if (i.complaint_status && !['resolved', 'closed'].includes(i.complaint_status))
          return drop('cancelled', 'complaint_reopened');
        const recent = await tx.query(
          `select 1 from survey_invitations where club_id = $1 and member_id = $2 and sent_at > $3 limit 1`,
          [clubId, i.member_id, new Date(now.getTime() - settings.surveyCooldownDays * 86_400_000)],
        );
        if (recent.rows.length > 0) return drop('throttled', 'cooldown');
        // 32 random bytes: unguessable; only the hash is stored, so a database leak leaks no links.
        const token = randomBytes(32).toString('base64url');
        const expiresAt = new Date(now.getTime() + settings.surveyLinkTtlHours * 3_600_000);
        await tx.query(
          `update survey_invitations set status = 'sent', token_hash = $3, sent_at = $4, expires_at = $5 where club_id = $1 and invitation_id = $2`,
          [clubId, invitation_id, sha256Hex(token), now, expiresAt],
        );
        await enqueueEvents(tx, clubId, [
          {
            type: 'survey.due',
            payload: {
              memberId: i.member_id,
              invitationId: invitation_id,
              surveyId: i.survey_id,
              touchpointId: i.touchpoint_id,
              department: i.department,
              channel: i.channel,
              surveyTitle: i.title,
              token,
              url: `${settings.surveyLinkBase.replace(/\/+$/, '')}/${token}`,
              expiresAt: expiresAt.toISOString(),
              expiresOn: formatJalaliDate(expiresAt),
            },
          },
        ]);
        return 'sent' as const;
      });
      if (outcome) out[outcome]++;
    }
    return out;
  }

  // ---- The member's side: a personal link, no login ----

  private async byToken(db: Queryable, token: string, lock: boolean) {
    const { rows } = await db.query<InvitationRow & { club_id: string }>(
      `${INVITATION_SELECT} where i.token_hash = $1${lock ? ' for update of i' : ''}`,
      [sha256Hex(token)],
    );
    const i = rows[0];
    if (!i) throw new AppError('not_found', 'This survey link is not valid.');
    return this.usable(i);
  }

  /** The invitation of this member, found by id (the portal, where the session is the credential). */
  private async ofMember(
    db: Queryable,
    clubId: string,
    memberId: string,
    invitationId: string,
    lock: boolean,
  ) {
    const { rows } = await db.query<InvitationRow & { club_id: string }>(
      `${INVITATION_SELECT} where i.club_id = $1 and i.invitation_id = $2 and i.member_id = $3
         and i.status in ('sent', 'answered')${lock ? ' for update of i' : ''}`,
      [clubId, invitationId, memberId],
    );
    if (!rows[0]) throw notFound('Survey', invitationId);
    return this.usable(rows[0]);
  }

  private usable<R extends InvitationRow>(i: R): R {
    if (i.status === 'answered')
      throw new AppError('survey_already_answered', 'This survey was already answered. Thank you!');
    if (!i.expires_at || i.expires_at.getTime() <= this.clock().getTime()) {
      throw new AppError('survey_link_expired', 'This survey link has expired.');
    }
    return i;
  }

  async openByToken(token: string) {
    const i = await this.byToken(this.db, token, false);
    const s = await this.getSurvey(i.club_id, i.survey_id);
    return {
      title: s.title,
      kind: s.kind,
      question: s.question,
      scale: SCALES[s.kind],
      questions: s.questions,
      expiresAt: i.expires_at!.toISOString(),
    };
  }

  async answer(
    token: string,
    input: TAnswer,
  ): Promise<{ responseId: string; followUpComplaintId: string | null; pointsAwarded: number }> {
    // The club is known only from the token.
    const peek = await this.byToken(this.db, token, false);
    return this.answerInvitation(peek.club_id, (db, lock) => this.byToken(db, token, lock), input);
  }

  /** The portal's page of a link: the survey, and the club it is for (the page shows its name). */
  async openLink(token: string) {
    const i = await this.byToken(this.db, token, false);
    return { clubId: i.club_id, survey: await this.openByToken(token) };
  }

  /** Surveys sent to the member and still open to answer, newest first (the portal's list). */
  async pendingForMember(clubId: string, memberId: string) {
    const { rows } = await this.db.query<
      InvitationRow & { kind: TSurveyKind; title: string; question: string; questions: TSurvey['questions'] }
    >(
      `${INVITATION_SELECT.replace('select i.*,', 'select i.*, s.kind, s.title, s.question, s.questions,')}
       join surveys s on s.club_id = i.club_id and s.survey_id = i.survey_id
       where i.club_id = $1 and i.member_id = $2 and i.status = 'sent' and i.expires_at > $3
       order by i.sent_at desc, i.invitation_id desc limit 20`,
      [clubId, memberId, this.clock()],
    );
    return rows.map((r) => ({
      invitationId: r.invitation_id,
      title: r.title,
      kind: r.kind,
      question: r.question,
      scale: SCALES[r.kind],
      questions: r.questions,
      subjectType: r.subject_type,
      sentAt: r.sent_at!.toISOString(),
      expiresAt: r.expires_at!.toISOString(),
    }));
  }

  /** Answers a survey sent to this member, from the portal: the same checks and effects as the link. */
  async answerForMember(clubId: string, memberId: string, invitationId: string, input: TAnswer) {
    await this.ofMember(this.db, clubId, memberId, invitationId, false);
    return this.answerInvitation(
      clubId,
      (db, lock) => this.ofMember(db, clubId, memberId, invitationId, lock),
      input,
    );
  }

  private async answerInvitation(
    clubId: string,
    find: (db: Queryable, lock: boolean) => Promise<InvitationRow>,
    input: TAnswer,
  ): Promise<{ responseId: string; followUpComplaintId: string | null; pointsAwarded: number }> {
    // Settings are read before the transaction (PGlite: no query on db while it is open).
    const settings = await readSettings(this.db, clubId);
    const result = await this.db.transaction(async (tx) => {
      const i = await find(tx, true);
      const s = await this.getSurvey(clubId, i.survey_id, tx);
      const scale = SCALES[s.kind];
      if (input.score !== null && (input.score < scale.min || input.score > scale.max)) {
        throw fieldError(
          'score',
          `must be ${scale.min} to ${scale.max} for ${s.kind.toUpperCase()}, or null to skip`,
        );
      }
      for (const [qid, value] of Object.entries(input.answers ?? {})) {
        const q = s.questions.find((x) => x.id === qid);
        if (!q) throw fieldError(`answers.${qid}`, 'no such question');
        if (q.type === 'text' && typeof value !== 'string')
          throw fieldError(`answers.${qid}`, 'must be text');
        if (q.type === 'choice') {
          const picked = typeof value === 'string' ? [value] : value;
          if (!q.multiple && picked.length > 1) throw fieldError(`answers.${qid}`, 'pick one choice');
          if (picked.some((p) => !q.choices!.includes(p)))
            throw fieldError(`answers.${qid}`, 'not one of the choices');
        }
      }
      const tp = (
        await tx.query<{ department: string }>(
          'select department from survey_touchpoints where club_id = $1 and touchpoint_id = $2',
          [clubId, i.touchpoint_id],
        )
      ).rows[0]!;
      const now = this.clock();
      const responseId = newId('rsp');
      await tx.query(
        `insert into survey_responses (club_id, response_id, invitation_id, survey_id, touchpoint_id, department, member_id, score, comment, answers, answered_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11)`,
        [
          clubId,
          responseId,
          i.invitation_id,
          i.survey_id,
          i.touchpoint_id,
          tp.department,
          i.member_id,
          input.score,
          input.comment || null,
          JSON.stringify(input.answers ?? {}),
          now,
        ],
      );
      await tx.query(
        `update survey_invitations set status = 'answered', answered_at = $3 where club_id = $1 and invitation_id = $2`,
        [clubId, i.invitation_id, now],
      );
      let followUp: string | null = null;
      if (settings.followUpComplaints && needsFollowUp(s.kind, input.score)) {
        // Closing the loop: a detractor (or a very hard experience) becomes a complaint someone owns.
        const c = await this.complaints.insert(tx, clubId, settings, {
          memberId: i.member_id,
          orderExternalId: null,
          category: null,
          channel: 'survey',
          priority: 'high',
          description: `پیگیری نظرسنجی «${s.title}»: امتیاز ${input.score}${input.comment ? ` — ${input.comment}` : ''}`,
          attachments: [],
          author: null,
          authorType: 'system',
          previousComplaintId: null,
          surveyResponseId: responseId,
        });
        followUp = c.complaint_id;
      }
      return { responseId, followUp, memberExternalId: i.member_external_id, invitationId: i.invitation_id };
    });
    const pointsAwarded = await raiseMemberEvent(
      this.services,
      clubId,
      result.memberExternalId,
      SURVEY_ANSWERED,
      `survey_answered-${result.invitationId}`,
    );
    return { responseId: result.responseId, followUpComplaintId: result.followUp, pointsAwarded };
  }

  // ---- Results ----

  async results(clubId: string, q: TResultsQuery) {
    const { from, to } = rangeOf(q, this.clock());
    const keyCol = {
      none: 'null',
      survey: 's.survey_id',
      touchpoint: 't.touchpoint_id',
      department: 't.department',
    }[q.split];
    const filters = `and ($4::text is null or s.survey_id = $4) and ($5::text is null or t.touchpoint_id = $5) and ($6::text is null or t.department = $6)`;
    const params = [clubId, from, to, q.surveyId ?? null, q.touchpointId ?? null, q.department ?? null];
    const answered = await this.db.query<{
      kind: TSurveyKind;
      key: string | null;
      day: string;
      score: number;
      n: number;
    }>(
      `select s.kind, ${keyCol} as key, to_char(r.answered_at at time zone 'Asia/Tehran', 'YYYY-MM-DD') as day, r.score, count(*)::int as n
       from survey_responses r join surveys s on s.club_id = r.club_id and s.survey_id = r.survey_id
       join survey_touchpoints t on t.club_id = r.club_id and t.touchpoint_id = r.touchpoint_id
       where r.club_id = $1 and r.answered_at >= $2 and r.answered_at < $3 and r.score is not null ${filters}
       group by 1, 2, 3, 4`,
      params,
    );
    const sent = await this.db.query<{
      kind: TSurveyKind;
      key: string | null;
      day: string | null;
      sent: number;
      answered: number;
      throttled: number;
    }>(
      `select s.kind, ${keyCol} as key,
         to_char(coalesce(i.sent_at, i.due_at) at time zone 'Asia/Tehran', 'YYYY-MM-DD') as day,
         count(*) filter (where i.sent_at is not null)::int as sent,
         count(*) filter (where i.status = 'answered')::int as answered,
         count(*) filter (where i.status = 'throttled')::int as throttled
       from survey_invitations i join surveys s on s.club_id = i.club_id and s.survey_id = i.survey_id
       join survey_touchpoints t on t.club_id = i.club_id and t.touchpoint_id = i.touchpoint_id
       where i.club_id = $1 and coalesce(i.sent_at, i.due_at) >= $2 and coalesce(i.sent_at, i.due_at) < $3
         and i.status in ('sent', 'answered', 'throttled') ${filters}
       group by 1, 2, 3`,
      params,
    );
    interface Acc {
      kind: TSurveyKind;
      key: string | null;
      hist: Map<number, number>;
      sent: number;
      answered: number;
      throttled: number;
      periods: Map<string, { hist: Map<number, number>; sent: number; answered: number }>;
    }
    const series = new Map<string, Acc>();
    const accOf = (kind: TSurveyKind, key: string | null) => {
      const k = `${kind}|${key}`;
      let a = series.get(k);
      if (!a) {
        a = { kind, key, hist: new Map(), sent: 0, answered: 0, throttled: 0, periods: new Map() };
        series.set(k, a);
      }
      return a;
    };
    const periodOf = (a: Acc, day: string) => {
      const p = bucketOf(day, q.by);
      let x = a.periods.get(p);
      if (!x) {
        x = { hist: new Map(), sent: 0, answered: 0 };
        a.periods.set(p, x);
      }
      return x;
    };
    for (const r of answered.rows) {
      const a = accOf(r.kind, r.key);
      a.hist.set(r.score, (a.hist.get(r.score) ?? 0) + r.n);
      const p = periodOf(a, r.day);
      p.hist.set(r.score, (p.hist.get(r.score) ?? 0) + r.n);
    }
    for (const r of sent.rows) {
      const a = accOf(r.kind, r.key);
      a.sent += r.sent;
      a.answered += r.answered;
      a.throttled += r.throttled;
      if (r.day && r.sent > 0) {
        const p = periodOf(a, r.day);
        p.sent += r.sent;
        p.answered += r.answered;
      }
    }
    const score = (kind: TSurveyKind, hist: Map<number, number>, sentN: number, answeredN: number) => {
      const s: ScoreSummary = summarise(kind, hist);
      return {
        sent: sentN,
        answeredOfSent: answeredN,
        responseRate: sentN === 0 ? null : Math.round((answeredN / sentN) * 1000) / 10,
        ...s,
      };
    };
    return {
      by: q.by,
      split: q.split,
      series: [...series.values()].map((a) => ({
        kind: a.kind,
        key: a.key,
        total: score(a.kind, a.hist, a.sent, a.answered),
        throttled: a.throttled,
        periods: [...a.periods]
          .sort(([x], [y]) => x.localeCompare(y))
          .map(([period, p]) => ({ period, ...score(a.kind, p.hist, p.sent, p.answered) })),
      })),
    };
  }

  async comments(
    clubId: string,
    q: {
      surveyId?: string | undefined;
      touchpointId?: string | undefined;
      department?: string | undefined;
      maxScore?: number | undefined;
      limit: number;
      before?: string | undefined;
    },
  ) {
    const { rows } = await this.db.query<{
      response_id: string;
      survey_id: string;
      touchpoint_id: string;
      department: string;
      external_id: string;
      score: number | null;
      comment: string;
      answered_at: Date;
    }>(
      `select r.response_id, r.survey_id, r.touchpoint_id, r.department, m.external_id, r.score, r.comment, r.answered_at
       from survey_responses r join members m on m.club_id = r.club_id and m.member_id = r.member_id
       where r.club_id = $1 and r.comment is not null and ($2::text is null or r.survey_id = $2) and ($3::text is null or r.touchpoint_id = $3)
         and ($4::text is null or r.department = $4) and ($5::int is null or r.score <= $5) and ($6::text is null or r.response_id < $6)
       order by r.response_id desc limit $7`,
      [
        clubId,
        q.surveyId ?? null,
        q.touchpointId ?? null,
        q.department ?? null,
        q.maxScore ?? null,
        q.before ?? null,
        q.limit,
      ],
    );
    return {
      items: rows.map((r) => ({
        responseId: r.response_id,
        surveyId: r.survey_id,
        touchpointId: r.touchpoint_id,
        department: r.department,
        memberExternalId: r.external_id,
        score: r.score,
        comment: r.comment,
        answeredAt: r.answered_at.toISOString(),
      })),
      nextCursor: rows.length === q.limit ? rows[rows.length - 1]!.response_id : null,
    };
  }
}

/** Inserts a scheduled invitation unless the member was already asked about this subject; answers its id or null. */
async function insertInvitation(
  tx: Queryable,
  clubId: string,
  tp: { touchpoint_id: string; survey_id: string },
  memberId: string,
  subject: [string, string],
  dueAt: Date,
  now: Date,
): Promise<string | null> {
  const id = newId('inv');
  const res = await tx.query(
    `insert into survey_invitations (club_id, invitation_id, survey_id, touchpoint_id, member_id, subject_type, subject_id, due_at, status, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, 'scheduled', $9) on conflict do nothing`,
    [clubId, id, tp.survey_id, tp.touchpoint_id, memberId, subject[0], subject[1], dueAt, now],
  );
  return res.rowCount > 0 ? id : null;
}
