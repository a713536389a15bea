import { beforeAll, describe, expect, it } from 'vitest';
import { type DemoClub, type DemoOrder, generateDemoClub } from './index.js';

const DAY_MS = 86_400_000;
const END_AT = new Date('2025-06-01T00:00:00.000Z');
const TEHRAN_OFFSET_MS = 3.5 * 3_600_000;

function ms(iso: string): number {
  return Date.parse(iso);
}

function share(count: number, total: number): number {
  return count / total;
}

function ordersPerMember(club: DemoClub): Map<string, DemoOrder[]> {
  const byMember = new Map<string, DemoOrder[]>();
  for (const order of club.orders) {
    const list = byMember.get(order.memberExternalId) ?? [];
    list.push(order);
    byMember.set(order.memberExternalId, list);
  }
  return byMember;
}

/** Share of net revenue (cancelled orders and returns left out) brought by the top fifth of members. */
function topFifthRevenueShare(club: DemoClub): number {
  const revenue = new Map<string, number>(club.members.map((m) => [m.externalId, 0]));
  for (const order of club.orders) {
    if (order.status === 'cancelled') continue;
    const net = order.totalRials - (order.returned?.amountRials ?? 0);
    revenue.set(order.memberExternalId, (revenue.get(order.memberExternalId) ?? 0) + net);
  }
  const sorted = [...revenue.values()].sort((a, b) => b - a);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  const top = sorted.slice(0, Math.floor(sorted.length / 5)).reduce((sum, value) => sum + value, 0);
  return top / total;
}

describe('generateDemoClub', () => {
  let club: DemoClub;
  let startMs: number;
  let endMs: number;

  beforeAll(() => {
    club = generateDemoClub({ seed: 7, endAt: END_AT });
    startMs = ms(club.startAt);
    endMs = ms(club.endAt);
  });

  describe('determinism', () => {
    it('returns identical clubs for the same seed and end date', () => {
      const options = { seed: 42, members: 300, orders: 2_000, endAt: END_AT };
      expect(generateDemoClub(options)).toEqual(generateDemoClub(options));
    });

    it('returns different clubs for different seeds', () => {
      const a = generateDemoClub({ seed: 1, members: 300, orders: 2_000, endAt: END_AT });
      const b = generateDemoClub({ seed: 2, members: 300, orders: 2_000, endAt: END_AT });
      expect(a.members.map((m) => m.mobile)).not.toEqual(b.members.map((m) => m.mobile));
      expect(a.orders.map((o) => o.placedAt)).not.toEqual(b.orders.map((o) => o.placedAt));
    });
  });

  describe('size and period', () => {
    it('generates 5,000 members and the 50,000 orders asked for by default', () => {
      expect(club.members).toHaveLength(5_000);
      // The rate scale is solved so the count is exact, well inside the ±10% the brief allows.
      expect(club.orders).toHaveLength(50_000);
    });

    it('honours custom sizes', () => {
      const small = generateDemoClub({ seed: 3, members: 200, orders: 1_500, endAt: END_AT });
      expect(small.members).toHaveLength(200);
      expect(small.orders).toHaveLength(1_500);
    });

    it('gives every member exactly one order when orders equal members', () => {
      const small = generateDemoClub({ seed: 3, members: 50, orders: 50, endAt: END_AT });
      expect(new Set(small.orders.map((o) => o.memberExternalId)).size).toBe(50);
    });

    it('spans the requested months, ending at endAt', () => {
      expect(club.endAt).toBe('2025-06-01T00:00:00.000Z');
      expect(club.startAt).toBe('2023-12-01T00:00:00.000Z');
      const six = generateDemoClub({ seed: 3, members: 20, orders: 40, months: 6, endAt: END_AT });
      expect(six.startAt).toBe('2024-12-01T00:00:00.000Z');
    });

    it('defaults endAt to the start of the current UTC day', () => {
      const now = generateDemoClub({ seed: 3, members: 20, orders: 40 });
      const today = new Date();
      today.setUTCHours(0, 0, 0, 0);
      // Around midnight the day may turn between the two calls.
      expect(Math.abs(ms(now.endAt) - today.getTime())).toBeLessThanOrEqual(DAY_MS);
      expect(now.endAt).toMatch(/T00:00:00\.000Z$/);
    });

    it('rejects options out of range', () => {
      expect(() => generateDemoClub({ members: 0 })).toThrow(RangeError);
      expect(() => generateDemoClub({ members: 10.5 })).toThrow(RangeError);
      expect(() => generateDemoClub({ members: 100, orders: 99 })).toThrow(RangeError);
      expect(() => generateDemoClub({ months: 0 })).toThrow(RangeError);
      expect(() => generateDemoClub({ endAt: new Date('not a date') })).toThrow(RangeError);
    });

    it('places every order inside the period, sorted by time', () => {
      const unsorted = club.orders.filter((o, i) => i > 0 && o.placedAt < club.orders[i - 1]!.placedAt);
      expect(unsorted).toEqual([]);
      expect(ms(club.orders[0]!.placedAt)).toBeGreaterThanOrEqual(startMs);
      expect(ms(club.orders.at(-1)!.placedAt)).toBeLessThan(endMs);
    });

    it('spreads sign-ups over the whole period', () => {
      const quarter = (endMs - startMs) / 4;
      const counts = [0, 0, 0, 0];
      for (const member of club.members) {
        const q = Math.min(3, Math.floor((ms(member.createdAt) - startMs) / quarter));
        counts[q]!++;
      }
      for (const count of counts) expect(count).toBeGreaterThan(club.members.length * 0.15);
    });

    it('concentrates orders in the daytime and evening, Tehran time', () => {
      const byHour = new Array<number>(24).fill(0);
      for (const order of club.orders) {
        const hour = new Date(ms(order.placedAt) + TEHRAN_OFFSET_MS).getUTCHours();
        byHour[hour]!++;
      }
      expect(byHour[21]!).toBeGreaterThan(byHour[4]! * 5);
    });
  });

  describe('members', () => {
    it('has unique external ids, numbered in joining order', () => {
      const ids = club.members.map((m) => m.externalId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids[0]).toBe('C-00001');
      const unsorted = club.members.filter((m, i) => i > 0 && m.createdAt < club.members[i - 1]!.createdAt);
      expect(unsorted).toEqual([]);
    });

    it('has unique E.164 Iranian mobiles on real operator codes', () => {
      const mobiles = club.members.map((m) => m.mobile);
      expect(new Set(mobiles).size).toBe(mobiles.length);
      expect(mobiles.filter((mobile) => !/^\+989\d{9}$/.test(mobile))).toEqual([]);
      const operator = /^\+989(0[1-5]|1\d|2[0-2]|3[035-9]|41|9[0-4])/;
      expect(mobiles.filter((mobile) => !operator.test(mobile))).toEqual([]);
    });

    it('writes names, cities and provinces in Persian script', () => {
      const persian = /^[\u0600-\u06FF\u200C ]+$/;
      const texts = club.members.flatMap((m) => [m.firstName, m.lastName, m.city, m.province]);
      expect(texts.filter((text) => !persian.test(text))).toEqual([]);
      expect(new Set(club.members.map((m) => m.firstName)).size).toBeGreaterThanOrEqual(60);
      expect(new Set(club.members.map((m) => m.lastName)).size).toBeGreaterThanOrEqual(55);
    });

    it('spreads members over at least 30 cities, with Tehran the largest', () => {
      const byCity = new Map<string, number>();
      for (const m of club.members) byCity.set(m.city, (byCity.get(m.city) ?? 0) + 1);
      expect(byCity.size).toBeGreaterThanOrEqual(30);
      const [largest] = [...byCity].sort((a, b) => b[1] - a[1]);
      expect(largest![0]).toBe('تهران');
      expect(share(largest![1], club.members.length)).toBeGreaterThan(0.2);
    });

    it('gives about 60% an email, unique and on example domains only', () => {
      const emails = club.members.flatMap((m) => (m.email ? [m.email] : []));
      expect(share(emails.length, club.members.length)).toBeGreaterThan(0.55);
      expect(share(emails.length, club.members.length)).toBeLessThan(0.65);
      expect(new Set(emails).size).toBe(emails.length);
      expect(emails.filter((email) => !/^[a-z0-9._]+@example\.(com|net|org)$/.test(email))).toEqual([]);
    });

    it('gives about 70% a plausible birth date', () => {
      const dates = club.members.flatMap((m) => (m.birthDate ? [m.birthDate] : []));
      expect(share(dates.length, club.members.length)).toBeGreaterThan(0.65);
      expect(share(dates.length, club.members.length)).toBeLessThan(0.75);
      const implausible = dates.filter((date) => {
        const ageYears = (endMs - ms(`${date}T00:00:00Z`)) / (365.25 * DAY_MS);
        return !/^\d{4}-\d{2}-\d{2}$/.test(date) || !(ageYears >= 17.9 && ageYears <= 76);
      });
      expect(implausible).toEqual([]);
    });

    it('never consents to email without an email address, and mostly consents to SMS', () => {
      expect(club.members.filter((m) => m.email === null && m.consentEmail)).toEqual([]);
      const sms = club.members.filter((m) => m.consentSms).length;
      expect(share(sms, club.members.length)).toBeGreaterThan(0.75);
      expect(share(sms, club.members.length)).toBeLessThan(0.95);
      const genders = new Set(club.members.map((m) => m.gender));
      expect(genders).toEqual(new Set(['female', 'male', null]));
    });
  });

  describe('catalogue and order lines', () => {
    it('has about 150 ASCII SKUs across at least 10 categories', () => {
      expect(club.products.length).toBeGreaterThanOrEqual(140);
      expect(new Set(club.products.map((p) => p.sku)).size).toBe(club.products.length);
      expect(new Set(club.products.map((p) => p.category)).size).toBeGreaterThanOrEqual(10);
      for (const p of club.products) expect(p.sku).toMatch(/^[A-Z]{3}-\d{4}$/);
    });

    it('prices phones at 150–900 million rials and books at 1–5 million', () => {
      const phones = club.products.filter((p) => p.sku.startsWith('MOB-'));
      const books = club.products.filter((p) => p.sku.startsWith('BOK-'));
      expect(phones.length).toBeGreaterThan(0);
      expect(books.length).toBeGreaterThan(0);
      for (const p of phones) {
        expect(p.basePriceRials).toBeGreaterThanOrEqual(150e6);
        expect(p.basePriceRials).toBeLessThanOrEqual(900e6);
      }
      for (const p of books) {
        expect(p.basePriceRials).toBeGreaterThanOrEqual(1e6);
        expect(p.basePriceRials).toBeLessThanOrEqual(5e6);
      }
    });

    it('totals every order as the sum of its 1–4 lines, in positive integer rials', () => {
      const skus = new Map(club.products.map((p) => [p.sku, p]));
      const isBadLine = (line: DemoOrder['lines'][number]): boolean =>
        skus.get(line.sku)?.category !== line.category ||
        !(Number.isInteger(line.quantity) && line.quantity >= 1) ||
        !(Number.isInteger(line.unitPriceRials) && line.unitPriceRials > 0);
      const bad = club.orders.filter((order) => {
        const sum = order.lines.reduce((total, line) => total + line.quantity * line.unitPriceRials, 0);
        return (
          order.lines.length < 1 ||
          order.lines.length > 4 ||
          order.lines.some(isBadLine) ||
          order.totalRials !== sum ||
          !(Number.isSafeInteger(order.totalRials) && order.totalRials > 0)
        );
      });
      expect(bad).toEqual([]);
    });

    it('raises prices over the period, as inflation does', () => {
      const base = new Map(club.products.map((p) => [p.sku, p.basePriceRials]));
      const ratio = (orders: DemoOrder[]): number => {
        const values = orders.flatMap((o) => o.lines.map((l) => l.unitPriceRials / base.get(l.sku)!));
        return values.reduce((sum, value) => sum + value, 0) / values.length;
      };
      const first = club.orders.filter((o) => ms(o.placedAt) < startMs + 30 * DAY_MS);
      const last = club.orders.filter((o) => ms(o.placedAt) >= endMs - 30 * DAY_MS);
      expect(ratio(first)).toBeLessThan(ratio(last) * 0.8);
    });
  });

  describe('orders', () => {
    it('has unique external ids in DK- form', () => {
      const ids = club.orders.map((o) => o.externalId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.filter((id) => !/^DK-\d{7,}$/.test(id))).toEqual([]);
    });

    it('belongs to known members, placed no earlier than they joined', () => {
      const joined = new Map(club.members.map((m) => [m.externalId, m.createdAt]));
      const orphans = club.orders.filter((order) => {
        const createdAt = joined.get(order.memberExternalId);
        return createdAt === undefined || order.placedAt < createdAt;
      });
      expect(orphans).toEqual([]);
      expect(ordersPerMember(club).size).toBe(club.members.length);
    });

    it('promises delivery 2–5 days out and usually keeps the promise', () => {
      const bad = club.orders.filter((order) => {
        const days = (ms(order.promisedDeliveryAt) - ms(order.placedAt)) / DAY_MS;
        const deliveredMs = order.deliveredAt === null ? null : ms(order.deliveredAt);
        return (
          days < 2 ||
          days > 5 ||
          (deliveredMs !== null) !== (order.status === 'delivered') ||
          (deliveredMs !== null && (deliveredMs <= ms(order.placedAt) || deliveredMs >= endMs))
        );
      });
      expect(bad).toEqual([]);
      const delivered = club.orders.filter((o) => o.deliveredAt !== null);
      const late = delivered.filter((o) => o.deliveredAt! > o.promisedDeliveryAt).length;
      expect(share(late, delivered.length)).toBeGreaterThan(0.05);
      expect(share(late, delivered.length)).toBeLessThan(0.2);
    });

    it('has delivered nearly all older orders and leaves only recent ones in flight', () => {
      const counts = new Map<string, number>();
      for (const order of club.orders) counts.set(order.status, (counts.get(order.status) ?? 0) + 1);
      // The latest promise is 5 days out and late deliveries rarely slip a week past it.
      const stale = club.orders.filter(
        (o) => endMs - ms(o.placedAt) > 12 * DAY_MS && o.status !== 'delivered' && o.status !== 'cancelled',
      );
      expect(stale).toEqual([]);
      expect(share(counts.get('cancelled') ?? 0, club.orders.length)).toBeGreaterThan(0.02);
      expect(share(counts.get('cancelled') ?? 0, club.orders.length)).toBeLessThan(0.04);
      expect(share(counts.get('delivered') ?? 0, club.orders.length)).toBeGreaterThan(0.9);
      for (const status of ['placed', 'paid', 'shipped']) expect(counts.get(status) ?? 0).toBeGreaterThan(0);
    });

    it('returns part of about 5% of delivered orders within 14 days of delivery', () => {
      const delivered = club.orders.filter((o) => o.status === 'delivered');
      const returned = club.orders.filter((o) => o.returned);
      expect(share(returned.length, delivered.length)).toBeGreaterThan(0.03);
      expect(share(returned.length, delivered.length)).toBeLessThan(0.07);
      expect(new Set(returned.map((o) => o.returned!.externalId)).size).toBe(returned.length);
      let partial = 0;
      for (const order of returned) {
        const r = order.returned!;
        expect(order.status).toBe('delivered');
        expect(Number.isInteger(r.amountRials) && r.amountRials > 0).toBe(true);
        expect(r.amountRials).toBeLessThanOrEqual(order.totalRials);
        if (r.amountRials < order.totalRials) partial++;
        const afterDeliveryMs = ms(r.at) - ms(order.deliveredAt!);
        expect(afterDeliveryMs).toBeGreaterThan(0);
        expect(afterDeliveryMs).toBeLessThanOrEqual(14 * DAY_MS);
        expect(ms(r.at)).toBeLessThan(endMs);
      }
      expect(share(partial, returned.length)).toBeGreaterThan(0.3);
    });
  });

  describe('purchase behaviour', () => {
    it('makes 40–60% of members repeat buyers', () => {
      const repeaters = [...ordersPerMember(club).values()].filter((orders) => orders.length >= 2).length;
      const repeatShare = share(repeaters, club.members.length);
      expect(repeatShare).toBeGreaterThanOrEqual(0.4);
      expect(repeatShare).toBeLessThanOrEqual(0.6);
    });

    it('concentrates 60–75% of revenue in the top fifth of members', () => {
      const topShare = topFifthRevenueShare(club);
      expect(topShare).toBeGreaterThanOrEqual(0.6);
      expect(topShare).toBeLessThanOrEqual(0.75);
    });

    it('keeps both figures in range for other seeds', () => {
      for (const seed of [11, 12]) {
        const other = generateDemoClub({ seed, endAt: END_AT });
        const repeaters = [...ordersPerMember(other).values()].filter((o) => o.length >= 2).length;
        expect(share(repeaters, other.members.length)).toBeGreaterThanOrEqual(0.4);
        expect(share(repeaters, other.members.length)).toBeLessThanOrEqual(0.6);
        expect(topFifthRevenueShare(other)).toBeGreaterThanOrEqual(0.6);
        expect(topFifthRevenueShare(other)).toBeLessThanOrEqual(0.75);
      }
    });

    it('has a few heavy buyers with dozens of orders', () => {
      const counts = [...ordersPerMember(club).values()].map((orders) => orders.length);
      const heavy = counts.filter((count) => count >= 50).length;
      expect(heavy).toBeGreaterThan(0);
      expect(share(heavy, club.members.length)).toBeLessThan(0.1);
    });

    it('reports the rate scale it solved for', () => {
      expect(club.model.alphaDays).toBeGreaterThan(0);
      expect(Number.isFinite(club.model.alphaDays)).toBe(true);
      expect(club.model.r).toBeGreaterThan(0);
    });
  });
});
