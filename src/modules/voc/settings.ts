import { z } from 'zod';
import type { Queryable } from '../../db/db.js';
import { AppError } from '../../errors.js';
import {
  type BusinessCalendar,
  DEFAULT_BUSINESS_HOURS,
  type TBusinessHours,
  WEEKDAYS,
} from './business-time.js';

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TPriority = (typeof PRIORITIES)[number];

/** Default SLA targets in business minutes (a business day is 8 hours). */
export const DEFAULT_SLA_TARGETS: Record<
  TPriority,
  { firstResponseMinutes: number; resolutionMinutes: number }
> = {
  low: { firstResponseMinutes: 16 * 60, resolutionMinutes: 80 * 60 },
  normal: { firstResponseMinutes: 8 * 60, resolutionMinutes: 40 * 60 },
  high: { firstResponseMinutes: 4 * 60, resolutionMinutes: 16 * 60 },
  urgent: { firstResponseMinutes: 60, resolutionMinutes: 8 * 60 },
};

const ZInterval = z
  .tuple([z.number().int().min(0).max(1440), z.number().int().min(0).max(1440)])
  .refine(([s, e]) => e > s, 'the end must be after the start');
const ZTarget = z.strictObject({
  firstResponseMinutes: z.number().int().min(1).max(525_600),
  resolutionMinutes: z.number().int().min(1).max(525_600),
});
const ZDate = z.iso.date();

export const ZVocSettings = z
  .object({
    businessHours: z
      .record(z.enum(WEEKDAYS), z.array(ZInterval))
      .describe('Open intervals per weekday, minutes after Tehran midnight ([[540, 1020]] is 09:00-17:00).'),
    holidays: z.array(z.string()).describe('Closed dates (Gregorian, Tehran), YYYY-MM-DD.'),
    slaTargets: z.record(z.enum(PRIORITIES), ZTarget).describe('Business minutes per priority.'),
    slaWarningPercent: z.number().int(),
    reopenWindowDays: z.number().int(),
    surveyCooldownDays: z.number().int(),
    surveyLinkTtlHours: z.number().int(),
    surveyLinkBase: z.string(),
    followUpComplaints: z.boolean(),
    lateApologyHours: z.number().int().nullable(),
  })
  .meta({ id: 'VocSettings' });
export type TVocSettings = z.infer<typeof ZVocSettings>;

export const ZPatchVocSettings = z
  .strictObject({
    businessHours: z
      .strictObject(Object.fromEntries(WEEKDAYS.map((d) => [d, z.array(ZInterval).max(4)])) as never)
      .optional()
      .describe('All seven weekdays; an empty list closes the day.'),
    holidays: z.array(ZDate).max(400).optional().describe('Replaces the list of closed dates.'),
    slaTargets: z.strictObject({ low: ZTarget, normal: ZTarget, high: ZTarget, urgent: ZTarget }).optional(),
    slaWarningPercent: z.number().int().min(1).max(99).optional(),
    reopenWindowDays: z.number().int().min(0).max(90).optional(),
    surveyCooldownDays: z.number().int().min(0).max(365).optional(),
    surveyLinkTtlHours: z.number().int().min(1).max(2160).optional(),
    surveyLinkBase: z
      .url()
      .max(300)
      .optional()
      .describe('The answer page; the token is appended as /<token>.'),
    followUpComplaints: z.boolean().optional(),
    lateApologyHours: z.number().int().min(1).max(720).nullable().optional(),
  })
  .meta({ id: 'PatchVocSettings' });
export type TPatchVocSettings = z.infer<typeof ZPatchVocSettings>;

interface SettingsRow {
  business_hours: TBusinessHours;
  holidays: Array<string | Date>;
  sla_targets: typeof DEFAULT_SLA_TARGETS;
  sla_warning_percent: number;
  reopen_window_days: number;
  survey_cooldown_days: number;
  survey_link_ttl_hours: number;
  survey_link_base: string;
  follow_up_complaints: boolean;
  late_apology_hours: number | null;
}

const dateText = (d: string | Date) =>
  typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10);

/** The club's settings; defaults when it never saved any. */
export async function readSettings(db: Queryable, clubId: string): Promise<TVocSettings> {
  const { rows } = await db.query<SettingsRow>('select * from voc_settings where club_id = $1', [clubId]);
  const r = rows[0];
  if (!r) {
    return {
      businessHours: DEFAULT_BUSINESS_HOURS,
      holidays: [],
      slaTargets: DEFAULT_SLA_TARGETS,
      slaWarningPercent: 80,
      reopenWindowDays: 7,
      surveyCooldownDays: 30,
      surveyLinkTtlHours: 168,
      surveyLinkBase: 'http://127.0.0.1:3000/s',
      followUpComplaints: true,
      lateApologyHours: null,
    };
  }
  return {
    businessHours: r.business_hours,
    holidays: r.holidays.map(dateText).sort(),
    slaTargets: r.sla_targets,
    slaWarningPercent: r.sla_warning_percent,
    reopenWindowDays: r.reopen_window_days,
    surveyCooldownDays: r.survey_cooldown_days,
    surveyLinkTtlHours: r.survey_link_ttl_hours,
    surveyLinkBase: r.survey_link_base,
    followUpComplaints: r.follow_up_complaints,
    lateApologyHours: r.late_apology_hours,
  };
}

export async function patchSettings(
  db: Queryable,
  clubId: string,
  patch: TPatchVocSettings,
): Promise<TVocSettings> {
  const cur = await readSettings(db, clubId);
  const next: TVocSettings = { ...cur, ...(patch as Partial<TVocSettings>) };
  const open = WEEKDAYS.some((d) => (next.businessHours[d] ?? []).length > 0);
  if (!open) {
    throw new AppError('validation_failed', 'businessHours: at least one day must have open hours', {
      errors: [{ field: 'businessHours', in: 'body', message: 'at least one day must have open hours' }],
    });
  }
  await db.query(
    `insert into voc_settings (club_id, business_hours, holidays, sla_targets, sla_warning_percent,
       reopen_window_days, survey_cooldown_days, survey_link_ttl_hours, survey_link_base,
       follow_up_complaints, late_apology_hours, updated_at)
     values ($1, $2::jsonb, $3::date[], $4::jsonb, $5, $6, $7, $8, $9, $10, $11, now())
     on conflict (club_id) do update set business_hours = excluded.business_hours,
       holidays = excluded.holidays, sla_targets = excluded.sla_targets,
       sla_warning_percent = excluded.sla_warning_percent, reopen_window_days = excluded.reopen_window_days,
       survey_cooldown_days = excluded.survey_cooldown_days, survey_link_ttl_hours = excluded.survey_link_ttl_hours,
       survey_link_base = excluded.survey_link_base, follow_up_complaints = excluded.follow_up_complaints,
       late_apology_hours = excluded.late_apology_hours, updated_at = now()`,
    [
      clubId,
      JSON.stringify(next.businessHours),
      [...new Set(next.holidays)],
      JSON.stringify(next.slaTargets),
      next.slaWarningPercent,
      next.reopenWindowDays,
      next.surveyCooldownDays,
      next.surveyLinkTtlHours,
      next.surveyLinkBase,
      next.followUpComplaints,
      next.lateApologyHours,
    ],
  );
  return readSettings(db, clubId);
}

export function calendarOf(s: TVocSettings): BusinessCalendar {
  return { hours: s.businessHours, holidays: new Set(s.holidays) };
}

/** A 422/400 naming one field. */
export function fieldError(
  field: string,
  message: string,
  code: 'validation_failed' | 'member_not_found' = 'validation_failed',
): AppError {
  return new AppError(code, `${field}: ${message}`, { errors: [{ field, in: 'body', message }] });
}
