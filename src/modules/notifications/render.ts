/**
 * Message templates: `{{name}}` placeholders only (no logic, no partials, nothing a template author can
 * use to reach outside its variables). Which names a template may use is known per event type, so a
 * template with an unknown name is refused when it is saved, never discovered at send time.
 */
export type TLanguage = 'fa' | 'en';
export type TChannel = 'sms' | 'email';

type VarKind = 'text' | 'number' | 'toman' | 'status';

/** A variable read from the event's payload at `path`, formatted by `kind`. */
export interface VarSpec {
  path: string;
  kind: VarKind;
  /** Shown in previews when no value is given. */
  sample: string | number;
}

/** Variables every template has: the member's name, the club's name, the event's date. */
export const COMMON_VARIABLES = ['firstName', 'lastName', 'fullName', 'clubName', 'date'] as const;
/** Only in email: the member's one-click unsubscribe link. */
export const EMAIL_VARIABLES = ['unsubscribeUrl'] as const;
/** Only in SMS: the word that stops SMS when sent back. */
export const SMS_VARIABLES = ['stopKeyword'] as const;

const EVENT_VARIABLES = new Map<string, Record<string, VarSpec>>([
  ['member.created', {}],
  ['member.updated', {}],
  [
    'order.created',
    {
      orderId: { path: 'externalId', kind: 'text', sample: 'O-1001' },
      total: { path: 'totalRials', kind: 'toman', sample: 25_000_000 },
    },
  ],
  [
    'order.status_changed',
    {
      orderId: { path: 'externalId', kind: 'text', sample: 'O-1001' },
      status: { path: 'to', kind: 'status', sample: 'shipped' },
    },
  ],
  [
    'order.returned',
    {
      orderId: { path: 'externalId', kind: 'text', sample: 'O-1001' },
      amount: { path: 'amountRials', kind: 'toman', sample: 5_000_000 },
      points: { path: 'pointsReversed', kind: 'number', sample: 500 },
    },
  ],
  ['points.earned', { points: { path: 'points', kind: 'number', sample: 2500 } }],
  ['points.reversed', { points: { path: 'points', kind: 'number', sample: 500 } }],
  [
    'points.adjusted',
    {
      points: { path: 'points', kind: 'number', sample: 1000 },
      reason: { path: 'reason', kind: 'text', sample: 'هدیه' },
    },
  ],
  [
    'tier.changed',
    {
      tierName: { path: 'tierName', kind: 'text', sample: 'طلایی' },
      points: { path: 'points', kind: 'number', sample: 12000 },
    },
  ],
]);

/**
 * Lets another module make its events messageable (`price.alert` with `{{productName}}`, ...). The
 * payload must carry `memberId` for a message to have a recipient.
 */
export function defineMessageEvent(type: string, variables: Record<string, VarSpec>): void {
  EVENT_VARIABLES.set(type, variables);
}

export function messageEventTypes(): string[] {
  return [...EVENT_VARIABLES.keys()];
}

/** The variable names a template for this event type and channel may use; null for an unknown type. */
export function allowedVariables(eventType: string, channel: TChannel): string[] | null {
  const specific = EVENT_VARIABLES.get(eventType);
  if (!specific) return null;
  return [
    ...COMMON_VARIABLES,
    ...(channel === 'email' ? EMAIL_VARIABLES : SMS_VARIABLES),
    ...Object.keys(specific),
  ];
}

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g;

/** The placeholder names used, and any `{{`/`}}` that is not a well-formed placeholder. */
export function parseTemplate(text: string): { names: string[]; malformed: boolean } {
  const names = [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!);
  const rest = text.replace(PLACEHOLDER, '');
  return { names: [...new Set(names)], malformed: rest.includes('{{') || rest.includes('}}') };
}

/** Problems with a template's text, one message per problem; empty when it is fine. */
export function checkTemplate(text: string, allowed: string[]): string[] {
  const { names, malformed } = parseTemplate(text);
  const problems: string[] = [];
  if (malformed) problems.push('has a {{ or }} that is not a {{variable}} placeholder');
  const unknown = names.filter((n) => !allowed.includes(n));
  if (unknown.length > 0) {
    problems.push(
      `uses unknown variable(s) ${unknown.map((n) => `{{${n}}}`).join(', ')}; allowed: ${allowed.join(', ')}`,
    );
  }
  return problems;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** Replaces placeholders with values (HTML-escaped for email bodies); a missing value renders empty. */
export function renderTemplate(text: string, values: Record<string, string>, html = false): string {
  return text.replace(PLACEHOLDER, (_m, name: string) => {
    const v = values[name] ?? '';
    return html ? escapeHtml(v) : v;
  });
}

// ---- Formatting: Persian digits, Toman, Jalali dates ----

const TEHRAN = 'Asia/Tehran';
const numberFormats = {
  fa: new Intl.NumberFormat('fa-IR', { maximumFractionDigits: 1 }),
  en: new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 }),
};
const dateFormats = {
  fa: new Intl.DateTimeFormat('fa-IR-u-ca-persian', {
    timeZone: TEHRAN,
    year: 'numeric',
    month: 'long',
    day: 'numeric',
  }),
  en: new Intl.DateTimeFormat('en-GB', { timeZone: TEHRAN, year: 'numeric', month: 'long', day: 'numeric' }),
};

/** A number in the language's digits: ۲٬۵۰۰ in Persian, 2,500 in English. */
export function formatNumber(n: number, lang: TLanguage): string {
  return numberFormats[lang].format(n);
}

/** Rials shown as Toman (÷10), the unit Iranian shoppers read: «۲٬۵۰۰٬۰۰۰ تومان», "2,500,000 Toman". */
export function formatToman(rials: number, lang: TLanguage): string {
  const toman = formatNumber(rials / 10, lang);
  return lang === 'fa' ? `${toman} تومان` : `${toman} Toman`;
}

/** The day in Tehran: Jalali in Persian («۲۹ آبان ۱۴۰۵»), Gregorian in English ("20 November 2026"). */
export function formatDate(d: Date, lang: TLanguage): string {
  return dateFormats[lang].format(d);
}

const STATUS_NAMES: Record<TLanguage, Record<string, string>> = {
  fa: {
    placed: 'ثبت‌شده',
    paid: 'پرداخت‌شده',
    shipped: 'ارسال‌شده',
    delivered: 'تحویل‌شده',
    cancelled: 'لغوشده',
  },
  en: { placed: 'placed', paid: 'paid', shipped: 'shipped', delivered: 'delivered', cancelled: 'cancelled' },
};

function formatValue(value: unknown, kind: VarKind, lang: TLanguage): string {
  if (value === null || value === undefined) return '';
  switch (kind) {
    case 'number':
      return typeof value === 'number' ? formatNumber(value, lang) : String(value);
    case 'toman':
      return typeof value === 'number' ? formatToman(value, lang) : String(value);
    case 'status':
      return STATUS_NAMES[lang][String(value)] ?? String(value);
    default:
      return String(value);
  }
}

export interface RenderInput {
  eventType: string;
  language: TLanguage;
  payload: Record<string, unknown>;
  eventAt: Date;
  member: { firstName: string | null; lastName: string | null };
  clubName: string;
  /** unsubscribeUrl (email) or stopKeyword (SMS). */
  extra: Record<string, string>;
}

/** Every variable's display value for one message. */
export function resolveVariables(input: RenderInput, samples = false): Record<string, string> {
  const { language: lang } = input;
  const first = input.member.firstName ?? '';
  const last = input.member.lastName ?? '';
  const values: Record<string, string> = {
    firstName: first,
    lastName: last,
    fullName: [first, last].filter(Boolean).join(' '),
    clubName: input.clubName,
    date: formatDate(input.eventAt, lang),
    ...input.extra,
  };
  for (const [name, spec] of Object.entries(EVENT_VARIABLES.get(input.eventType) ?? {})) {
    const raw = input.payload[spec.path] ?? (samples ? spec.sample : undefined);
    values[name] = formatValue(raw, spec.kind, lang);
  }
  return values;
}
