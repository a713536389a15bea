/**
 * The orders the bench sends: random members of the pre-created set, statuses mostly `paid` (so each
 * order writes its points lot and ledger transfer), one to three lines. Seeded, so two runs send the
 * same mix.
 */

/** mulberry32: small, fast and good enough to pick members and prices. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function memberExternalId(n: number): string {
  return `M-${String(n).padStart(6, '0')}`;
}

const CATEGORIES = ['books', 'toys', 'grocery', 'beauty', 'electronics', 'home', 'fashion', 'sports'];
const DAY_MS = 86_400_000;

export interface BenchOrder {
  externalId: string;
  memberExternalId: string;
  placedAt: string;
  totalRials: number;
  status: 'placed' | 'paid' | 'delivered';
  statusAt?: string;
  lines: Array<{ sku: string; category: string; quantity: number; unitPriceRials: number }>;
}

export class OrderFactory {
  private readonly random: () => number;
  private seq = 0;

  constructor(
    private readonly prefix: string,
    private readonly memberCount: number,
    seed: number,
  ) {
    this.random = seededRandom(seed);
  }

  next(): BenchOrder {
    const r = this.random;
    const now = Date.now();
    const placed = now - Math.floor(r() * 30 * DAY_MS);
    const lines = Array.from({ length: 1 + Math.floor(r() * 3) }, () => {
      const sku = Math.floor(r() * 500);
      return {
        sku: `SKU-${sku}`,
        category: CATEGORIES[sku % CATEGORIES.length]!,
        quantity: 1 + Math.floor(r() * 3),
        // 10,000 to 5,000,000 rials in steps of 1,000: every line earns at least one point.
        unitPriceRials: 10_000 + Math.floor(r() * 4_990) * 1_000,
      };
    });
    const roll = r();
    // 90% paid, 5% delivered (paid too, with a return window), 5% only placed (no points).
    const status = roll < 0.9 ? 'paid' : roll < 0.95 ? 'delivered' : 'placed';
    const order: BenchOrder = {
      externalId: `${this.prefix}-${++this.seq}`,
      memberExternalId: memberExternalId(1 + Math.floor(r() * this.memberCount)),
      placedAt: new Date(placed).toISOString(),
      totalRials: lines.reduce((sum, l) => sum + l.quantity * l.unitPriceRials, 0),
      status,
      lines,
    };
    if (status !== 'placed') order.statusAt = new Date(Math.min(now, placed + DAY_MS)).toISOString();
    return order;
  }
}
