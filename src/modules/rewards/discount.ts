/**
 * The pure arithmetic of a discount offer, shared by coupons, rewards and campaigns: what a cart gets,
 * why it gets nothing, and how deep the offer can go (the guardrail compares that depth with the
 * club's maximum).
 */
export interface Offer {
  kind: 'fixed' | 'percent' | 'free_shipping' | 'gift';
  amountRials?: number | null;
  percent?: number | null;
  maxDiscountRials?: number | null;
  minCartRials: number;
  categories: string[];
  giftValueRials?: number | null;
}

export interface CartLine {
  sku: string;
  category?: string | undefined;
  quantity: number;
  unitPriceRials: number;
}

export interface Cart {
  totalRials: number;
  shippingRials?: number | undefined;
  lines: CartLine[];
}

export type TOfferRefusal = 'minimum_cart' | 'category';

/** The discount in rials, or why the cart does not qualify. Never more than the eligible amount. */
export function discountFor(offer: Offer, cart: Cart): { discountRials: number } | { reason: TOfferRefusal } {
  if (cart.totalRials < offer.minCartRials) return { reason: 'minimum_cart' };
  let eligible = cart.totalRials;
  if (offer.categories.length > 0) {
    const set = new Set(offer.categories);
    eligible = cart.lines
      .filter((l) => l.category !== undefined && set.has(l.category))
      .reduce((s, l) => s + l.quantity * l.unitPriceRials, 0);
    if (eligible === 0) return { reason: 'category' };
    eligible = Math.min(eligible, cart.totalRials);
  }
  switch (offer.kind) {
    case 'fixed':
      return { discountRials: Math.min(offer.amountRials ?? 0, eligible) };
    case 'percent': {
      const raw = Math.floor((eligible * (offer.percent ?? 0)) / 100);
      const capped = offer.maxDiscountRials != null ? Math.min(raw, offer.maxDiscountRials) : raw;
      return { discountRials: capped };
    }
    case 'free_shipping':
      return { discountRials: cart.shippingRials ?? 0 };
    case 'gift':
      return { discountRials: 0 };
  }
}

/**
 * The deepest share of a qualifying cart the offer can take, in percent. A fixed amount (or a gift's
 * value) is measured against the smallest cart it applies to, so a 500,000-rial discount with no
 * minimum cart is as deep as it gets: 100%. Free shipping is not a price cut and counts 0.
 */
export function depthPct(offer: Offer): number {
  switch (offer.kind) {
    case 'percent':
      return offer.percent ?? 0;
    case 'fixed':
    case 'gift': {
      const amount = offer.kind === 'fixed' ? (offer.amountRials ?? 0) : (offer.giftValueRials ?? 0);
      if (amount === 0) return 0;
      if (offer.minCartRials <= 0) return 100;
      return Math.min(100, (amount / offer.minCartRials) * 100);
    }
    case 'free_shipping':
      return 0;
  }
}

/**
 * "Buy N get M free" gives away the value of M items on a cart of N: 12 free per box of 24 is 50%, as
 * seed 004 counts it (the purchase prize that locked a market for six months).
 */
export function purchasePrizeDepthPct(buyQuantity: number, freeQuantity: number): number {
  return (freeQuantity / buyQuantity) * 100;
}
