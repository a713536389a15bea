/**
 * Quiet hours are read on the Tehran wall clock: SMS raised at night wait until the window ends.
 * Iran has kept UTC+03:30 all year since 2022, but the offset is read from the time zone database
 * rather than assumed.
 */
const minuteFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Asia/Tehran',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** Minutes since midnight in Tehran. */
export function tehranMinuteOfDay(d: Date): number {
  const parts = minuteFormat.formatToParts(d);
  const h = Number(parts.find((p) => p.type === 'hour')!.value);
  const m = Number(parts.find((p) => p.type === 'minute')!.value);
  return h * 60 + m;
}

export function parseHhmm(s: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(s);
  if (!m) throw new Error(`not a HH:MM time: ${s}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/**
 * When `now` falls in the quiet window [start, end) (which may wrap midnight), the moment it ends;
 * otherwise null. A window whose start equals its end is no window.
 */
export function quietUntil(now: Date, start: string, end: string): Date | null {
  const s = parseHhmm(start);
  const e = parseHhmm(end);
  if (s === e) return null;
  const m = tehranMinuteOfDay(now);
  const inside = s < e ? m >= s && m < e : m >= s || m < e;
  if (!inside) return null;
  const minutesLeft = (e - m + 1440) % 1440;
  const startOfMinute = Math.floor(now.getTime() / 60_000) * 60_000;
  return new Date(startOfMinute + minutesLeft * 60_000);
}
