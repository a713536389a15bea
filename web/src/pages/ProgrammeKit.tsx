import { type ReactNode, useCallback, useState } from 'react';
import { ApiError, api } from '../api.js';
import { fmtDate, fmtNumber } from '../format.js';
import { type Lang, type MessageKey, useI18n } from '../i18n.js';
import { navigate } from '../router.js';
import { Field, type Role } from '../ui.js';

/**
 * Shared pieces of the programme pages (tiers, rewards, coupons, campaigns, raffles, referrals,
 * eligibility): who may write, how a typed value becomes an API value, and the API's field messages
 * in the reader's language.
 */

/** Mirrors the role table of docs/dashboard.md: marketing runs the programme; the server still refuses. */
export const canWriteProgramme = (role: Role) => role === 'owner' || role === 'marketer';

/** The sub-pages of the programme, in the order of the menu and of the tabs above each page. */
export const PROGRAMME_PAGES: ReadonlyArray<{ path: string; label: MessageKey }> = [
  { path: '/programme/rules', label: 'navRules' },
  { path: '/programme/tiers', label: 'navTiers' },
  { path: '/programme/rewards', label: 'pgNavRewards' },
  { path: '/programme/coupons', label: 'pgNavCoupons' },
  { path: '/programme/campaigns', label: 'pgNavCampaigns' },
  { path: '/programme/raffles', label: 'pgNavRaffles' },
  { path: '/programme/referrals', label: 'pgNavReferrals' },
  { path: '/programme/eligibility', label: 'pgNavEligibility' },
];

/** Links between the programme pages, so a marketer moves from a reward to the campaign that gives it. */
export function ProgrammeTabs(props: { current: string }) {
  const { t } = useI18n();
  return (
    <nav className="tabs" aria-label={t('navProgramme')}>
      {PROGRAMME_PAGES.map((p) => (
        <a
          key={p.path}
          href={`/admin${p.path}`}
          className={props.current.startsWith(p.path) ? 'tab active' : 'tab'}
          onClick={(e) => {
            e.preventDefault();
            navigate(p.path);
          }}
        >
          {t(p.label)}
        </a>
      ))}
    </nav>
  );
}

const PERSIAN_DIGITS = '۰۱۲۳۴۵۶۷۸۹';
const ARABIC_DIGITS = '٠١٢٣٤٥٦٧٨٩';

/** What staff type on a Persian keyboard (۱۲٬۵۰۰٫۵) as ASCII digits (12500.5). */
export function latinDigits(s: string): string {
  return s
    .replace(/[۰-۹]/g, (d) => String(PERSIAN_DIGITS.indexOf(d)))
    .replace(/[٠-٩]/g, (d) => String(ARABIC_DIGITS.indexOf(d)))
    .replace(/[٬,\s]/g, '')
    .replace(/٫/g, '.');
}

/**
 * A number box's value for the API: empty is left out (the API then names it as missing, or uses its
 * default); anything else is sent as typed, so a non-number gets the API's message in place.
 */
export function num(s: string): number | string | undefined {
  const v = latinDigits(s);
  if (v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : v;
}

/** Amounts are typed in Toman (what staff read) and sent in rials. */
export function tomanToRials(s: string): number | string | undefined {
  const n = num(s);
  return typeof n === 'number' ? Math.round(n * 10) : n;
}

export const rialsToToman = (r: number | null | undefined): string =>
  r === null || r === undefined ? '' : String(r / 10);

/** Comma-separated lists (Latin or Persian comma). */
export function list(s: string): string[] {
  return s
    .split(/[,،\n]/)
    .map((x) => x.trim())
    .filter(Boolean);
}

/**
 * A day picked in a date box, as the instant it starts (or ends) in Tehran; Iran keeps +03:30 all year.
 * The box shows the Gregorian day; the Jalali day is printed under it (DateField).
 */
export function dayToIso(day: string, end = false): string | undefined {
  if (!day) return undefined;
  return `${day}T${end ? '23:59:59' : '00:00:00'}+03:30`;
}

/** The Tehran day (YYYY-MM-DD) of an instant, for a date box. */
export function isoToDay(iso: string | null | undefined): string {
  if (!iso) return '';
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tehran' }).format(new Date(iso));
}

/** Server messages (English, from the schemas) in the reader's language; unknown ones pass through. */
export function localizeMessage(message: string, lang: Lang): string {
  if (lang === 'en') return message;
  const n = (x: string) => fmtNumber(Number(x), 'fa', 2);
  const rules: Array<[RegExp, (m: RegExpMatchArray) => string]> = [
    [/^Invalid input: expected \w+, received undefined$/, () => 'لازم است'],
    [/^Invalid input: expected int, received number$/, () => 'عدد صحیح وارد کنید'],
    [/^Invalid input: expected number, received \w+$/, () => 'عدد وارد کنید'],
    [/^Invalid input/, () => 'مقدار نامعتبر است'],
    [/^Too small: expected number to be >=(\S+)$/, (m) => `دست‌کم ${n(m[1]!)} باشد`],
    [/^Too small: expected number to be >(\S+)$/, (m) => `بیشتر از ${n(m[1]!)} باشد`],
    [/^Too big: expected number to be <=(\S+)$/, (m) => `حداکثر ${n(m[1]!)} باشد`],
    [/^Too big: expected number to be <(\S+)$/, (m) => `کمتر از ${n(m[1]!)} باشد`],
    [/^Too small: expected string to have >=1 characters?$/, () => 'لازم است'],
    [/^Too small: expected string to have >=(\d+) characters?$/, (m) => `دست‌کم ${n(m[1]!)} نویسه`],
    [/^Too big: expected string to have <=(\d+) characters?$/, (m) => `حداکثر ${n(m[1]!)} نویسه`],
    [/^Too small: expected array to have >=(\d+) items?$/, (m) => `دست‌کم ${n(m[1]!)} مورد لازم است`],
    [/^Too big: expected array to have <=(\d+) items?$/, (m) => `حداکثر ${n(m[1]!)} مورد`],
    [/^Invalid ISO datetime$/, () => 'تاریخ نامعتبر است'],
    [/^Invalid URL$/, () => 'نشانی نامعتبر است'],
    [/^Invalid option/, () => 'یکی از گزینه‌ها را انتخاب کنید'],
    [/^required when kind is/, () => 'برای این نوع لازم است'],
    [/^must be after (startsAt|validFrom)$/, () => 'باید بعد از تاریخ شروع باشد'],
    [/^must be in the future$/, () => 'باید در آینده باشد'],
    [/^must be greater than the threshold of the tier below/, () => 'باید بیشتر از آستانهٔ سطح پایین‌تر باشد'],
    [/^duplicates tiers\.(\d+)\.key$/, (m) => `تکراری است (همان کلید سطح ${n(String(Number(m[1]) + 1))})`],
    [/^must start with a letter and use only/, () => 'با حرف لاتین کوچک شروع شود؛ فقط a-z، 0-9، _ و -'],
    [/^must be a lower-case key/, () => 'کلید لاتین کوچک، مانند express'],
    [/^must be at least (minOrders|minSpendRials)$/, () => 'باید دست‌کم برابر مقدار حداقل باشد'],
    [/^at most two decimals$/, () => 'حداکثر دو رقم اعشار'],
    [/^at least one weight must be positive$/, () => 'دست‌کم یک وزن باید مثبت باشد'],
    [/^letters and digits only$/, () => 'فقط حروف و رقم لاتین'],
    [/^overlaps campaign (\S+)$/, (m) => `با کمپین ${m[1]} هم‌پوشانی دارد`],
    [/^only an owner may override the guardrail$/, () => 'فقط مالک باشگاه می‌تواند از سقف تخفیف بگذرد'],
    [/^unknown field$/, () => 'فیلد ناشناخته'],
  ];
  for (const [re, f] of rules) {
    const m = message.match(re);
    if (m) return f(m);
  }
  return message;
}

/**
 * A form's save: runs the call, keeps the API's problem for the fields to show in place, and says
 * "saved" after a success. `fe(field)` is the message for one field in the reader's language.
 */
export function useSave() {
  const { lang } = useI18n();
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const run = useCallback(async (fn: () => Promise<unknown>): Promise<boolean> => {
    setError(null);
    setSaved(false);
    setBusy(true);
    try {
      await fn();
      setSaved(true);
      return true;
    } catch (err) {
      if (err instanceof ApiError) setError(err);
      else throw err;
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  const fe = (field: string) => {
    const m = error?.fieldError(field);
    return m === undefined ? undefined : localizeMessage(m, lang);
  };
  const reset = useCallback(() => {
    setError(null);
    setSaved(false);
  }, []);
  return { error, saved, busy, run, fe, reset };
}

/** The problem's detail when no field of the form shows it (a conflict, a refusal, an unknown field). */
export function FormError(props: { error: ApiError | null; fields?: ReadonlyArray<string> }) {
  const { t } = useI18n();
  const e = props.error;
  if (!e) return null;
  const shown = e.problem.errors?.every((x) => props.fields?.includes(x.field) ?? true);
  if (e.problem.errors?.length && shown) return null;
  return (
    <p className="error form-error" role="alert" data-testid="form-error">
      {e.code === 'forbidden' ? t('pgForbiddenWrite') : e.problem.detail}
    </p>
  );
}

/** A date box with the Jalali reading of the picked day under it. */
export function DateInput(props: { name: string; value: string; onChange: (v: string) => void }) {
  const { lang } = useI18n();
  return (
    <>
      <input
        type="date"
        name={props.name}
        dir="ltr"
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
      />
      {props.value ? (
        <small className="muted" data-testid={`jalali-${props.name}`}>
          {fmtDate(dayToIso(props.value), lang)}
        </small>
      ) : null}
    </>
  );
}

/** A labelled figure: the numbers beside a chart. */
export function Stat(props: { label: string; value: ReactNode; help?: ReactNode; testId?: string }) {
  return (
    <div className="pg-stat" data-testid={props.testId}>
      <span className="muted">{props.label}</span>
      <strong>{props.value}</strong>
      {props.help ? <small className="muted">{props.help}</small> : null}
    </div>
  );
}

/** Spend against a budget as a bar with both numbers; no budget is "no limit". */
export function BudgetBar(props: { spent: number; budget: number | null; format: (n: number) => string }) {
  const { t } = useI18n();
  const share = props.budget ? Math.min(1, props.spent / props.budget) : 0;
  return (
    <div className="pg-budget">
      <span>
        {props.format(props.spent)} / {props.budget === null ? t('pgNoLimit') : props.format(props.budget)}
      </span>
      {props.budget ? <progress max={1} value={share} /> : null}
    </div>
  );
}

/** Downloads a CSV answer of a write (generated coupon codes) with the session's CSRF token. */
export async function postForCsv(path: string, body: unknown, filename: string): Promise<void> {
  const session = await api<{ csrfToken: string } | null>('GET', '/admin/api/session');
  const res = await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: {
      'content-type': 'application/json',
      accept: 'text/csv',
      'x-csrf-token': session?.csrfToken ?? '',
    },
    body: JSON.stringify(body),
  });
  if (!res.ok) {
    const problem = await res.json().catch(() => null);
    throw new ApiError(problem ?? { status: res.status, code: 'internal_error', detail: res.statusText });
  }
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  URL.revokeObjectURL(url);
}

/**
 * The discount guardrail on a form that offers a discount (campaigns, rewards, coupon batches): the
 * refusal with its depth and the club's maximum, and the override reason, which only an owner may give
 * (the server refuses it from other roles). Without a guardrail refusal it shows the form's other
 * error that no field shows.
 */
export function GuardrailOverride(props: {
  role: Role;
  save: ReturnType<typeof useSave>;
  reason: string;
  onReason: (v: string) => void;
  fields: ReadonlyArray<string>;
}) {
  const { t, lang } = useI18n();
  const { save } = props;
  const hit = save.error?.code === 'discount_guardrail_exceeded';
  const owner = props.role === 'owner';
  return (
    <>
      {owner && (hit || props.reason) ? (
        <Field
          name="guardrailOverride.reason"
          label={t('pgOverrideReason')}
          error={save.fe('guardrailOverride.reason')}
        >
          <input
            name="guardrailOverride.reason"
            value={props.reason}
            onChange={(e) => props.onReason(e.target.value)}
          />
        </Field>
      ) : null}
      {hit ? (
        <p className="error pg-wide" role="alert" data-testid="guardrail-error">
          {t('pgGuardrailExceeded', {
            depth: fmtNumber(Number(save.error?.problem.depthPct ?? 0), lang, 1),
            max: fmtNumber(Number(save.error?.problem.maxDiscountPct ?? 0), lang),
          })}
          {owner ? '' : ` ${t('pgOwnerOverrides')}`}
        </p>
      ) : (
        <FormError error={save.error} fields={props.fields} />
      )}
    </>
  );
}
