import { useEffect, useState } from 'react';
import { fmtNumber } from '../format.js';
import { type MessageKey, type T, useI18n } from '../i18n.js';
import { navigate } from '../router.js';
import type { Role } from '../ui.js';

/** The complaint as GET /v1/complaints answers it (docs/voice-of-customer.md). */
export type ComplaintStatus =
  | 'new'
  | 'acknowledged'
  | 'in_progress'
  | 'waiting_on_customer'
  | 'resolved'
  | 'closed'
  | 'reopened';
export type Priority = 'low' | 'normal' | 'high' | 'urgent';
export type SlaState = 'ok' | 'warning' | 'breached' | 'met' | 'missed';
export interface SlaPart {
  targetMinutes: number;
  usedMinutes: number;
  dueAt: string | null;
  state: SlaState;
}
export interface TimelineEntry {
  seq: number;
  at: string;
  authorType: 'member' | 'staff' | 'system';
  author: string | null;
  kind: 'created' | 'status' | 'note' | 'reply' | 'compensation';
  fromStatus: ComplaintStatus | null;
  toStatus: ComplaintStatus | null;
  customerNote: string | null;
  internalNote: string | null;
  details: Record<string, unknown> | null;
}
export interface Complaint {
  id: string;
  memberExternalId: string;
  orderExternalId: string | null;
  category: string | null;
  channel: 'portal' | 'api' | 'staff' | 'survey';
  priority: Priority;
  description: string;
  attachments: Array<{ url: string; name?: string }>;
  status: ComplaintStatus;
  assignee: string | null;
  rootCause: string | null;
  previousComplaintId: string | null;
  surveyResponseId: string | null;
  sla: { paused: boolean; firstResponse: SlaPart; resolution: SlaPart };
  createdAt: string;
  resolvedAt: string | null;
  closedAt: string | null;
  updatedAt: string;
  timeline?: TimelineEntry[];
}

export const STATUSES: ComplaintStatus[] = [
  'new',
  'acknowledged',
  'in_progress',
  'waiting_on_customer',
  'reopened',
  'resolved',
  'closed',
];
export const PRIORITIES: Priority[] = ['urgent', 'high', 'normal', 'low'];
export const DEPARTMENTS = ['marketing', 'sales', 'product', 'support', 'delivery'] as const;

/** Support works the complaint queue; the owner may too. Everyone else reads (docs/dashboard.md). */
export const canWorkComplaints = (role: Role) => role === 'owner' || role === 'support';

/** Dynamic keys of this area's strings, typed so that a missing one is still a type error. */
export const statusKey = (s: ComplaintStatus) => `vocStatus_${s}` as MessageKey;
export const priorityKey = (p: Priority) => `vocPriority_${p}` as MessageKey;

/** The current time, re-read every `everyMs`, so timers count down while the page is open. */
export function useNow(everyMs = 15_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now;
}

/** A wall-clock span in days and hours, hours and minutes, or minutes: the largest two units. */
export function fmtSpan(ms: number, t: T, lang: 'fa' | 'en'): string {
  const minutes = Math.max(0, Math.round(Math.abs(ms) / 60_000));
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  const n = (x: number) => fmtNumber(x, lang);
  if (d > 0) return t('vocDurDays', { d: n(d), h: n(h) });
  if (h > 0) return t('vocDurHours', { h: n(h), m: n(m) });
  return t('vocDurMinutes', { m: n(m) });
}

/**
 * One SLA target as a live timer: time left until it is due, or how long it is overdue. The due time
 * already counts only business hours (the server computes it), so the wall-clock difference is exact;
 * the state turns to breached here the moment the due time passes, before the next reload.
 */
export function SlaTimer(props: { part: SlaPart; paused: boolean; now: number; testId?: string }) {
  const { t, lang } = useI18n();
  const { part } = props;
  let state: SlaState | 'paused' = part.state;
  let text: string;
  if (part.state === 'met' || part.state === 'missed') text = t(`vocSla_${part.state}`);
  else if (!part.dueAt) {
    state = 'paused';
    text = t('vocSla_paused');
  } else {
    const left = new Date(part.dueAt).getTime() - props.now;
    if (left <= 0) state = 'breached';
    text =
      left > 0
        ? t('vocTimeLeft', { t: fmtSpan(left, t, lang) })
        : t('vocOverdue', { t: fmtSpan(left, t, lang) });
  }
  return (
    <span
      className={`sla sla-${state}`}
      data-testid={props.testId}
      data-state={state}
      title={t('vocUsedOfTarget', {
        used: fmtNumber(part.usedMinutes, lang),
        target: fmtNumber(part.targetMinutes, lang),
      })}
    >
      {text}
    </span>
  );
}

/** The tabs of the voice-of-the-customer area, as links so that each view has its address. */
export function VocTabs(props: { current: 'queue' | 'surveys' | 'root-causes' }) {
  const { t } = useI18n();
  const tabs = [
    ['queue', '/voc', 'vocTabQueue'],
    ['surveys', '/voc/surveys', 'vocTabSurveys'],
    ['root-causes', '/voc/root-causes', 'vocTabRootCauses'],
  ] as const;
  return (
    <nav className="tabs" aria-label={t('navVoc')}>
      {tabs.map(([id, path, label]) => (
        <a
          key={id}
          href={`/admin${path}`}
          className={props.current === id ? 'tab active' : 'tab'}
          data-testid={`voc-tab-${id}`}
          onClick={(e) => {
            e.preventDefault();
            navigate(path);
          }}
        >
          {t(label)}
        </a>
      ))}
    </nav>
  );
}

/** A survey period label: a Jalali month (`1405-09`) or the Saturday a week starts on (`2026-11-21`). */
export function periodLabel(period: string, by: 'week' | 'month', lang: 'fa' | 'en'): string {
  if (by === 'month') {
    const [y, m] = period.split('-').map(Number) as [number, number];
    const names = lang === 'fa' ? JALALI_MONTHS_FA : JALALI_MONTHS_EN;
    return `${names[m - 1]} ${fmtNumber(y, lang).replace(/[٬,]/g, '')}`;
  }
  return new Intl.DateTimeFormat(`${lang === 'fa' ? 'fa-IR' : 'en-US'}-u-ca-persian`, {
    timeZone: 'UTC',
    month: 'short',
    day: 'numeric',
  }).format(new Date(`${period}T12:00:00Z`));
}

const JALALI_MONTHS_FA = [
  'فروردین',
  'اردیبهشت',
  'خرداد',
  'تیر',
  'مرداد',
  'شهریور',
  'مهر',
  'آبان',
  'آذر',
  'دی',
  'بهمن',
  'اسفند',
];
const JALALI_MONTHS_EN = [
  'Farvardin',
  'Ordibehesht',
  'Khordad',
  'Tir',
  'Mordad',
  'Shahrivar',
  'Mehr',
  'Aban',
  'Azar',
  'Dey',
  'Bahman',
  'Esfand',
];
