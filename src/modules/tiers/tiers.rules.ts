/**
 * The pure rules of tiers: which tier a value qualifies for, what happens on activity and at a review,
 * and the member-facing progress messages. No I/O here, so each rule is unit-tested directly.
 */
import type {
  TBenefits,
  TCalendar,
  TDowngradeMode,
  THistoryKind,
  TTierHistoryItem,
  TTierMeasure,
} from './tiers.schema.js';

const DAY_MS = 86_400_000;
/** How far ahead the progress message looks: "spend X more before <90 days from now>". */
export const PROGRESS_HORIZON_DAYS = 90;

export interface TierDef {
  tierId: string;
  key: string;
  rank: number;
  nameFa: string;
  nameEn: string;
  threshold: number;
  benefits: TBenefits;
}

export interface MemberTierState {
  tierId: string | null;
  since: Date | null;
  reviewAt: Date | null;
  graceUsed: number;
  floorTierId: string | null;
}

export const EMPTY_STATE: MemberTierState = Object.freeze({
  tierId: null,
  since: null,
  reviewAt: null,
  graceUsed: 0,
  floorTierId: null,
});

export interface ReviewSettings {
  downgrade: TDowngradeMode;
  graceReviews: number;
}

/** What a rule decided. `next` is the member's new state; `history` what to record (null: nothing). */
export interface Decision {
  next: MemberTierState;
  /** The tier changed: raise `tier.changed`. */
  changed: boolean;
  history: {
    kind: THistoryKind;
    from: string | null;
    to: string | null;
    reason: TTierHistoryItem['reason'];
  } | null;
}

/** `months` calendar months later in UTC; the 31st of a shorter month becomes its last day. */
export function addMonths(d: Date, months: number): Date {
  const out = new Date(d.getTime());
  const day = out.getUTCDate();
  out.setUTCDate(1);
  out.setUTCMonth(out.getUTCMonth() + months);
  const last = new Date(Date.UTC(out.getUTCFullYear(), out.getUTCMonth() + 1, 0)).getUTCDate();
  out.setUTCDate(Math.min(day, last));
  return out;
}

/** The highest tier whose threshold the value reaches; `tiers` sorted by rank, lowest first. */
export function qualifyingTier(tiers: ReadonlyArray<TierDef>, value: number): TierDef | null {
  let best: TierDef | null = null;
  for (const t of tiers) if (value >= t.threshold) best = t;
  return best;
}

function higher(a: TierDef | null, b: TierDef | null): TierDef | null {
  if (!a) return b;
  if (!b) return a;
  return b.rank > a.rank ? b : a;
}

function byId(tiers: ReadonlyArray<TierDef>, id: string | null): TierDef | null {
  return id === null ? null : (tiers.find((t) => t.tierId === id) ?? null);
}

const NO_CHANGE = (state: MemberTierState): Decision => ({ next: state, changed: false, history: null });

/**
 * After activity (or on read): upgrades at once to the best of the qualifying tier and the floor,
 * starting a new year to the review with the grace reset; never downgrades. A member whose tier was
 * deleted from the club is placed where they qualify now.
 */
export function decideOnActivity(
  tiers: ReadonlyArray<TierDef>,
  state: MemberTierState,
  value: number,
  now: Date,
): Decision {
  const current = byId(tiers, state.tierId);
  const floor = byId(tiers, state.floorTierId);
  const qualifying = qualifyingTier(tiers, value);
  const target = higher(qualifying, floor);
  const reason = target && target === floor && target !== qualifying ? 'manual' : 'qualified';
  if (state.tierId !== null && current === null) {
    // The member's tier was deleted: they take the tier they qualify for now, without waiting for a review.
    return {
      next: {
        ...state,
        tierId: target?.tierId ?? null,
        since: target ? now : null,
        reviewAt: target ? addMonths(now, 12) : null,
        graceUsed: 0,
      },
      changed: true,
      history: { kind: 'removed', from: null, to: target?.key ?? null, reason: 'tiers_edited' },
    };
  }
  if (target && (!current || target.rank > current.rank)) {
    return {
      next: { ...state, tierId: target.tierId, since: now, reviewAt: addMonths(now, 12), graceUsed: 0 },
      changed: true,
      history: { kind: 'upgrade', from: current?.key ?? null, to: target.key, reason },
    };
  }
  return NO_CHANGE(state);
}

/**
 * At the review date: a member who still qualifies (or is held by the floor) keeps the tier for another
 * year; one who does not first uses a grace review (up to `graceReviews` in a row), then drops to the
 * tier they qualify for, never below the floor. In 'never' mode nothing happens.
 */
export function decideAtReview(
  tiers: ReadonlyArray<TierDef>,
  state: MemberTierState,
  value: number,
  settings: ReviewSettings,
  now: Date,
): Decision {
  if (settings.downgrade === 'never' || !state.reviewAt || state.reviewAt.getTime() > now.getTime()) {
    return NO_CHANGE(state);
  }
  const current = byId(tiers, state.tierId);
  if (!current) return decideOnActivity(tiers, state, value, now);
  const target = higher(qualifyingTier(tiers, value), byId(tiers, state.floorTierId));
  if (target && target.rank > current.rank) return decideOnActivity(tiers, state, value, now);
  const nextReview = addMonths(state.reviewAt, 12);
  if (target && target.rank === current.rank) {
    return { next: { ...state, reviewAt: nextReview, graceUsed: 0 }, changed: false, history: null };
  }
  if (state.graceUsed < settings.graceReviews) {
    return {
      next: { ...state, reviewAt: nextReview, graceUsed: state.graceUsed + 1 },
      changed: false,
      history: { kind: 'grace', from: current.key, to: current.key, reason: 'grace' },
    };
  }
  return {
    next: {
      ...state,
      tierId: target?.tierId ?? null,
      since: target ? now : null,
      reviewAt: target ? addMonths(now, 12) : null,
      graceUsed: 0,
    },
    changed: true,
    history: { kind: 'downgrade', from: current.key, to: target?.key ?? null, reason: 'review' },
  };
}

/**
 * The member's effective tier without evaluating their activity: the stored tier, raised to the floor,
 * or the lowest tier when it needs nothing (threshold 0), since every member qualifies for that.
 */
export function effectiveTier(tiers: ReadonlyArray<TierDef>, state: MemberTierState): TierDef | null {
  let t = higher(byId(tiers, state.tierId), byId(tiers, state.floorTierId));
  const lowest = tiers[0];
  if (!t && lowest && lowest.threshold === 0) t = lowest;
  return t;
}

// ---- Dates and messages --------------------------------------------------------------------------

const JALALI_FA = new Intl.DateTimeFormat('fa-IR-u-ca-persian', {
  timeZone: 'Asia/Tehran',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});
const JALALI_LATN = new Intl.DateTimeFormat('en-US-u-ca-persian-nu-latn', {
  timeZone: 'Asia/Tehran',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});
const GREGORIAN_LATN = new Intl.DateTimeFormat('en-US-u-ca-gregory-nu-latn', {
  timeZone: 'Asia/Tehran',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});
const FA_NUMBER = new Intl.NumberFormat('fa-IR');
const EN_NUMBER = new Intl.NumberFormat('en-US');

function ymd(fmt: Intl.DateTimeFormat, d: Date): string {
  const parts = fmt.formatToParts(d);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}/${get('month')}/${get('day')}`;
}

/** The day in Tehran in the Jalali calendar, Persian digits: ۱۴۰۵/۰۹/۳۰. */
export function formatJalali(d: Date): string {
  return JALALI_FA.format(d);
}

/** Latin digits to Persian ones (۰-۹). */
export function toPersianDigits(s: string): string {
  return s.replace(/[0-9]/g, (c) => String.fromCharCode(0x06f0 + Number(c)));
}

/** A date for a message in the club's calendar: Jalali 1405/09/30 or Gregorian 2026/12/21, in Tehran. */
export function formatDate(d: Date, calendar: TCalendar, lang: 'fa' | 'en'): string {
  const s = calendar === 'jalali' ? ymd(JALALI_LATN, d) : ymd(GREGORIAN_LATN, d);
  return lang === 'fa' ? toPersianDigits(s) : s;
}

/** The amount of the measure as people read it: spend in Toman (rials / 10, rounded up), with its unit. */
export function formatAmount(measure: TTierMeasure, amount: number, lang: 'fa' | 'en'): string {
  const n = measure === 'spend' ? Math.ceil(amount / 10) : amount;
  const num = (lang === 'fa' ? FA_NUMBER : EN_NUMBER).format(n);
  if (lang === 'fa')
    return `${num} ${measure === 'spend' ? 'تومان' : measure === 'points' ? 'امتیاز' : 'سفارش'}`;
  if (measure === 'spend') return `${num} toman`;
  if (measure === 'points') return `${num} ${n === 1 ? 'point' : 'points'}`;
  return `${num} ${n === 1 ? 'order' : 'orders'}`;
}

/** "Spend 320,000 toman more before 1405/09/30 to reach Gold", in Persian and English. */
export function progressMessage(opts: {
  measure: TTierMeasure;
  remaining: number;
  next: { nameFa: string; nameEn: string };
  deadline: Date;
  calendar: TCalendar;
}): { fa: string; en: string } {
  const { measure, remaining, next, deadline, calendar } = opts;
  const dateFa = formatDate(deadline, calendar, 'fa');
  const dateEn = formatDate(deadline, calendar, 'en');
  if (remaining <= 0) {
    return {
      fa: `شما شرایط سطح ${next.nameFa} را دارید.`,
      en: `You qualify for ${next.nameEn}.`,
    };
  }
  const amountFa = formatAmount(measure, remaining, 'fa');
  const amountEn = formatAmount(measure, remaining, 'en');
  const verbFa = measure === 'spend' ? 'خرید کنید' : measure === 'points' ? 'کسب کنید' : 'ثبت کنید';
  // "320,000 toman more" but "2 more orders": English puts "more" after a currency, before a count.
  const [num, unit] = amountEn.split(' ') as [string, string];
  const en =
    measure === 'spend'
      ? `Spend ${amountEn} more before ${dateEn} to reach ${next.nameEn}.`
      : `${measure === 'points' ? 'Earn' : 'Place'} ${num} more ${unit} before ${dateEn} to reach ${next.nameEn}.`;
  return { fa: `${amountFa} دیگر تا ${dateFa} ${verbFa} تا به سطح ${next.nameFa} برسید.`, en };
}

/** The member's standing in one sentence. */
export function statusMessage(opts: {
  hasTiers: boolean;
  tier: { nameFa: string; nameEn: string } | null;
  isTop: boolean;
}): { fa: string; en: string } {
  if (!opts.hasTiers) return { fa: 'این باشگاه سطح‌بندی ندارد.', en: 'This club has no tiers.' };
  if (!opts.tier) return { fa: 'شما هنوز به هیچ سطحی نرسیده‌اید.', en: 'You have not reached a tier yet.' };
  if (opts.isTop) {
    return {
      fa: `شما در سطح ${opts.tier.nameFa}، بالاترین سطح باشگاه، هستید.`,
      en: `You are in ${opts.tier.nameEn}, the club’s top tier.`,
    };
  }
  return { fa: `شما در سطح ${opts.tier.nameFa} هستید.`, en: `You are in the ${opts.tier.nameEn} tier.` };
}

/** The progress deadline: a quarter ahead, a horizon near enough to act on. */
export function progressDeadline(now: Date): Date {
  return new Date(now.getTime() + PROGRESS_HORIZON_DAYS * DAY_MS);
}
