import { Readable } from 'node:stream';
import type { Db, Queryable } from '../../db/db.js';
import { AppError, notFound } from '../../errors.js';
import type { Services } from '../../http/types.js';
import { hashRequest, newId } from '../../lib/ids.js';
import { enqueueEvents } from '../outbox/index.js';
import { crockfordAliases, generateCode, hasValidCheck, looksGenerated, normalizeCode } from './codes.js';
import { type Cart, depthPct, discountFor, type Offer } from './discount.js';
import * as repo from './rewards.repo.js';
import {
  MAX_CODES_PER_BATCH,
  type TCouponBatch,
  type TCouponRefusal,
  type TCouponUse,
  type TCouponValidation,
  type TCreateCouponBatch,
  type TDiscountSettings,
  type TRedeemCoupon,
  type TReward,
  type TRewardInput,
  type TRewardIssue,
  type TValidateCoupon,
} from './rewards.schema.js';

const DAY_MS = 86_400_000;
const INSERT_CHUNK = 5_000;

/** Persian messages for the refusal reasons, shown to the member at checkout. */
export const REFUSAL_MESSAGES: Record<TCouponRefusal, string> = {
  unknown: 'این کد تخفیف وجود ندارد.',
  mistyped: 'کد تخفیف اشتباه تایپ شده است؛ دوباره بررسی کنید.',
  disabled: 'این کد تخفیف غیرفعال شده است.',
  not_started: 'زمان استفاده از این کد هنوز نرسیده است.',
  expired: 'مهلت استفاده از این کد تمام شده است.',
  used: 'این کد قبلاً استفاده شده است.',
  minimum_cart: 'مبلغ سبد خرید کمتر از حداقل لازم برای این کد است.',
  category: 'این کد برای کالاهای سبد خرید شما نیست.',
  not_this_member: 'این کد متعلق به مشتری دیگری است.',
  budget_spent: 'بودجهٔ این کد تخفیف تمام شده است.',
};

/** Issues what a reward of a given kind gives beyond a coupon (a raffle entry): set by its module. */
export type RewardIssuer = (
  tx: Queryable,
  clubId: string,
  memberId: string,
  reward: repo.RewardRow,
  issueId: string,
) => Promise<Record<string, unknown>>;

export interface IssueCause {
  source: 'redeem' | 'campaign' | 'referral' | 'raffle';
  /** Idempotency: a cause issues at most once (unique index on source and source id). */
  sourceId: string;
}

export function toOffer(b: {
  kind: Offer['kind'];
  amount_rials: number | null;
  percent: number | null;
  max_discount_rials: number | null;
  min_cart_rials: number;
  categories: string[];
  gift_value_rials: number | null;
}): Offer {
  return {
    kind: b.kind,
    amountRials: b.amount_rials,
    percent: b.percent,
    maxDiscountRials: b.max_discount_rials,
    minCartRials: b.min_cart_rials,
    categories: b.categories,
    giftValueRials: b.gift_value_rials,
  };
}

/** The offer a discount-kind reward makes, or null for rewards that are not a price cut. */
export function rewardOffer(kind: repo.RewardRow['kind'], config: Record<string, unknown>): Offer | null {
  const n = (k: string) => (typeof config[k] === 'number' ? (config[k] as number) : null);
  const base = {
    minCartRials: n('minCartRials') ?? 0,
    categories: Array.isArray(config.categories) ? (config.categories as string[]) : [],
    amountRials: n('amountRials'),
    percent: n('percent'),
    maxDiscountRials: n('maxDiscountRials'),
    giftValueRials: n('giftValueRials'),
  };
  switch (kind) {
    case 'fixed_discount':
      return { kind: 'fixed', ...base };
    case 'percent_discount':
      return { kind: 'percent', ...base };
    case 'free_shipping':
      return { kind: 'free_shipping', ...base };
    case 'gift_item':
      return { kind: 'gift', ...base };
    default:
      return null;
  }
}

export class RewardsService {
  private readonly issuers = new Map<string, RewardIssuer>();

  constructor(
    private readonly db: Db,
    private readonly services: Services,
    private readonly clock: () => Date,
  ) {}

  /** Another module (campaigns: raffles) teaches the catalog how to issue its kind of reward. */
  setIssuer(kind: repo.RewardRow['kind'], issuer: RewardIssuer): void {
    this.issuers.set(kind, issuer);
  }

  // ---- settings and the guardrail ----

  async getDiscountSettings(clubId: string): Promise<TDiscountSettings> {
    const s = await repo.getDiscountSettings(this.db, clubId);
    return { maxDiscountPct: s.max_discount_pct, releaseOnReturn: s.release_on_return };
  }

  async updateDiscountSettings(
    clubId: string,
    patch: Partial<TDiscountSettings>,
  ): Promise<TDiscountSettings> {
    const cur = await repo.getDiscountSettings(this.db, clubId);
    await repo.saveDiscountSettings(this.db, clubId, {
      max_discount_pct: patch.maxDiscountPct ?? cur.max_discount_pct,
      release_on_return: patch.releaseOnReturn ?? cur.release_on_return,
    });
    return this.getDiscountSettings(clubId);
  }

  /**
   * Refuses an offer deeper than the club's maximum depth unless an override with a reason is given
   * (seed 004: discounts are appreciation, and too deep a prize ruins the market).
   */
  async checkGuardrail(
    clubId: string,
    depth: number,
    override: { reason: string } | undefined,
    field: string,
  ): Promise<void> {
    const { max_discount_pct: max } = await repo.getDiscountSettings(this.db, clubId);
    if (depth <= max + 1e-9 || override) return;
    throw new AppError(
      'discount_guardrail_exceeded',
      `${field}: the offer can take ${depth.toFixed(1)}% of a cart; the club's maximum is ${max}%. ` +
        'Make it shallower (or raise the minimum cart), or send guardrailOverride.reason.',
      {
        errors: [{ field, in: 'body', message: `deeper than the ${max}% guardrail` }],
        depthPct: Math.round(depth * 10) / 10,
        maxDiscountPct: max,
      },
    );
  }

  // ---- coupon batches ----

  async createBatch(
    clubId: string,
    input: TCreateCouponBatch,
    author: string | null,
    source: 'bulk' | 'import' | 'reward' | 'campaign' | 'referral' = 'bulk',
    db: Queryable = this.db,
  ): Promise<TCouponBatch> {
    const offer: Offer = {
      kind: input.kind,
      amountRials: input.amountRials ?? null,
      percent: input.percent ?? null,
      maxDiscountRials: input.maxDiscountRials ?? null,
      minCartRials: input.minCartRials,
      categories: input.categories,
      giftValueRials: input.giftValueRials ?? null,
    };
    if (source === 'bulk' || source === 'import') {
      await this.checkGuardrail(clubId, depthPct(offer), input.guardrailOverride, 'amountRials');
    }
    const row = await repo.insertBatch(
      db,
      clubId,
      {
        batch_id: newId('cpb'),
        name: input.name,
        kind: input.kind,
        amount_rials: input.amountRials ?? null,
        percent: input.percent ?? null,
        max_discount_rials: input.maxDiscountRials ?? null,
        min_cart_rials: input.minCartRials,
        categories: input.categories,
        gift_sku: input.giftSku ?? null,
        gift_value_rials: input.giftValueRials ?? null,
        prefix: input.prefix.toUpperCase(),
        source,
        uses_per_code: input.usesPerCode,
        valid_from: input.validFrom ? new Date(input.validFrom) : null,
        valid_to: input.validTo ? new Date(input.validTo) : null,
        budget_rials: input.budgetRials ?? null,
        guardrail_override_reason: input.guardrailOverride?.reason ?? null,
        guardrail_override_author: input.guardrailOverride ? author : null,
      },
      this.clock(),
    );
    return toBatch(row);
  }

  async getBatch(clubId: string, batchId: string): Promise<TCouponBatch> {
    const row = await repo.findBatch(this.db, clubId, batchId);
    if (!row) throw notFound('Coupon batch', batchId);
    return toBatch(row);
  }

  async listBatches(clubId: string): Promise<TCouponBatch[]> {
    return (await repo.listBatches(this.db, clubId, 200)).map(toBatch);
  }

  async setBatchActive(clubId: string, batchId: string, active: boolean): Promise<TCouponBatch> {
    await this.getBatch(clubId, batchId);
    await repo.setBatchActive(this.db, clubId, batchId, active);
    return this.getBatch(clubId, batchId);
  }

  /**
   * Generates `count` new codes in one transaction (all or none), then streams them as CSV. A random
   * collision with an existing code (one in 2^50 per pair) is simply drawn again.
   */
  async generateCodes(clubId: string, batchId: string, count: number): Promise<Readable> {
    const batch = await repo.findBatch(this.db, clubId, batchId);
    if (!batch) throw notFound('Coupon batch', batchId);
    if (batch.codes_count + count > MAX_CODES_PER_BATCH) {
      throw new AppError('validation_failed', `count: a batch holds at most ${MAX_CODES_PER_BATCH} codes`, {
        errors: [
          { field: 'count', in: 'body', message: `a batch holds at most ${MAX_CODES_PER_BATCH} codes` },
        ],
      });
    }
    const now = this.clock();
    const codes = await this.db.transaction(async (tx) => {
      const out: string[] = [];
      while (out.length < count) {
        const want = Math.min(INSERT_CHUNK, count - out.length);
        const fresh = Array.from({ length: want }, () => ({
          code: generateCode(batch.prefix),
          memberId: null,
          expiresAt: null,
        }));
        out.push(...(await repo.insertCodes(tx, clubId, batchId, fresh, batch.uses_per_code, now)));
      }
      return out;
    });
    const validTo = batch.valid_to?.toISOString() ?? '';
    return Readable.from(
      (function* () {
        yield 'code,batch_id,valid_to\n';
        for (let i = 0; i < codes.length; i += 1000) {
          yield codes
            .slice(i, i + 1000)
            .map((c) => `${c},${batchId},${validTo}\n`)
            .join('');
        }
      })(),
    );
  }

  /** Every code of a batch as CSV, read page by page (a lost download can be fetched again). */
  async exportCodes(clubId: string, batchId: string): Promise<Readable> {
    const batch = await repo.findBatch(this.db, clubId, batchId);
    if (!batch) throw notFound('Coupon batch', batchId);
    const db = this.db;
    return Readable.from(
      (async function* () {
        yield 'code,batch_id,member_external_id,uses,expires_at\n';
        let after = '';
        for (;;) {
          const page = await repo.pageCodes(db, clubId, batchId, after, 5000);
          if (page.length === 0) return;
          yield page
            .map(
              (r) =>
                `${r.code},${batchId},${r.member_external_id ?? ''},${r.uses},${r.expires_at?.toISOString() ?? ''}\n`,
            )
            .join('');
          after = page[page.length - 1]!.code;
        }
      })(),
    );
  }

  /** Imports the shop's own codes (no check symbol); existing codes are reported, not overwritten. */
  async importCodes(
    clubId: string,
    batchId: string,
    codes: Array<{ code: string; memberExternalId?: string | undefined }>,
  ): Promise<{ imported: number; duplicates: string[] }> {
    const batch = await repo.findBatch(this.db, clubId, batchId);
    if (!batch) throw notFound('Coupon batch', batchId);
    const normalized = codes.map((c) => normalizeCode(c.code));
    const seen = new Set<string>();
    normalized.forEach((c, i) => {
      if (c.length < 4) {
        throw new AppError('validation_failed', `codes.${i}.code: too short once spaces are removed`, {
          errors: [{ field: `codes.${i}.code`, in: 'body', message: 'too short once spaces are removed' }],
        });
      }
      if (seen.has(c)) {
        throw new AppError('validation_failed', `codes.${i}.code: appears twice in the request`, {
          errors: [{ field: `codes.${i}.code`, in: 'body', message: 'appears twice in the request' }],
        });
      }
      seen.add(c);
    });
    const externalIds = [...new Set(codes.flatMap((c) => (c.memberExternalId ? [c.memberExternalId] : [])))];
    return this.db.transaction(async (tx) => {
      const ids = await this.services.members.resolveMemberIds(tx, clubId, externalIds);
      codes.forEach((c, i) => {
        if (c.memberExternalId && !ids.has(c.memberExternalId)) {
          throw new AppError('member_not_found', `codes.${i}.memberExternalId: no such member`, {
            errors: [{ field: `codes.${i}.memberExternalId`, in: 'body', message: 'no such member' }],
          });
        }
      });
      const inserted = await repo.insertCodes(
        tx,
        clubId,
        batchId,
        normalized.map((code, i) => ({
          code,
          memberId: codes[i]!.memberExternalId ? ids.get(codes[i]!.memberExternalId!)! : null,
          expiresAt: null,
        })),
        batch.uses_per_code,
        this.clock(),
      );
      const got = new Set(inserted);
      return { imported: inserted.length, duplicates: normalized.filter((c) => !got.has(c)) };
    });
  }

  /** A single member-bound code in a batch (rewards, campaigns, referral welcomes). */
  async issueCoupon(
    tx: Queryable,
    clubId: string,
    batch: { batch_id: string; prefix: string; uses_per_code: number },
    memberId: string,
    expiresAt: Date | null,
  ): Promise<string> {
    for (;;) {
      const code = generateCode(batch.prefix);
      const got = await repo.insertCodes(
        tx,
        clubId,
        batch.batch_id,
        [{ code, memberId, expiresAt }],
        batch.uses_per_code,
        this.clock(),
      );
      if (got.length === 1) return code;
    }
  }

  // ---- validate and redeem ----

  private async lookup(
    db: Queryable,
    clubId: string,
    rawCode: string,
    lock: boolean,
  ): Promise<{ code: string; coupon: repo.CouponRow | null }> {
    const code = normalizeCode(rawCode);
    let coupon = await repo.findCoupon(db, clubId, code, lock);
    if (!coupon) {
      const alias = crockfordAliases(code);
      if (alias !== code) coupon = await repo.findCoupon(db, clubId, alias, lock);
      if (coupon) return { code: alias, coupon };
    }
    return { code, coupon };
  }

  /** Why the code does not apply, or the discount it gives. Pure given the rows read. */
  private evaluate(
    code: string,
    coupon: repo.CouponRow | null,
    batch: repo.BatchRow | null,
    memberId: string,
    cart: Cart,
    maxDiscountPct: number,
  ): TCouponValidation {
    const now = this.clock();
    const refuse = (reason: TCouponRefusal): TCouponValidation => ({
      valid: false,
      code,
      discountRials: 0,
      reason,
      message: REFUSAL_MESSAGES[reason],
      kind: batch?.kind ?? null,
      giftSku: null,
      expiresAt: null,
    });
    if (!coupon || !batch) {
      return refuse(looksGenerated(code) && !hasValidCheck(crockfordAliases(code)) ? 'mistyped' : 'unknown');
    }
    const expiresAt = [coupon.expires_at, batch.valid_to]
      .filter((d): d is Date => d !== null)
      .sort((a, b) => a.getTime() - b.getTime())[0];
    if (!batch.is_active) return refuse('disabled');
    if (batch.valid_from && batch.valid_from > now) return refuse('not_started');
    if (expiresAt && expiresAt <= now) return refuse('expired');
    if (coupon.member_id && coupon.member_id !== memberId) return refuse('not_this_member');
    if (coupon.uses >= coupon.max_uses) return refuse('used');
    const result = discountFor(toOffer(batch), cart);
    if ('reason' in result) return refuse(result.reason);
    // A later, stricter guardrail still caps an old batch, unless that batch was overridden on purpose.
    const discount = batch.guardrail_override_reason
      ? result.discountRials
      : Math.min(result.discountRials, Math.floor((cart.totalRials * maxDiscountPct) / 100));
    if (batch.budget_rials !== null && batch.spent_rials + discount > batch.budget_rials) {
      return refuse('budget_spent');
    }
    return {
      valid: true,
      code,
      discountRials: discount,
      reason: null,
      message: null,
      kind: batch.kind,
      giftSku: batch.gift_sku,
      expiresAt: expiresAt?.toISOString() ?? null,
    };
  }

  async validateCoupon(clubId: string, input: TValidateCoupon): Promise<TCouponValidation> {
    const memberId = await this.services.members.getMemberId(clubId, input.memberExternalId);
    const settings = await repo.getDiscountSettings(this.db, clubId);
    const { code, coupon } = await this.lookup(this.db, clubId, input.code, false);
    const batch = coupon ? await repo.findBatch(this.db, clubId, coupon.batch_id) : null;
    return this.evaluate(code, coupon, batch, memberId, input.cart, settings.max_discount_pct);
  }

  /**
   * Redeems a code for an order. Idempotent per (code, order): the same request again answers the
   * first use (200); another body for the same pair is a conflict. The coupon row is locked and the
   * batch budget moves by a conditional update, so parallel checkouts cannot overuse either.
   */
  async redeemCoupon(clubId: string, input: TRedeemCoupon): Promise<{ status: 200 | 201; body: TCouponUse }> {
    const memberId = await this.services.members.getMemberId(clubId, input.memberExternalId);
    const settings = await repo.getDiscountSettings(this.db, clubId);
    const requestHash = hashRequest({ ...input, code: normalizeCode(input.code) });
    return this.db.transaction(async (tx) => {
      const { code, coupon } = await this.lookup(tx, clubId, input.code, true);
      if (coupon) {
        const prior = await repo.findUse(tx, clubId, code, input.orderExternalId);
        if (prior) {
          if (prior.request_hash !== requestHash) {
            throw new AppError(
              'idempotency_conflict',
              `Code ${code} was already redeemed for order ${input.orderExternalId} with another cart or member.`,
            );
          }
          return { status: 200 as const, body: toUse(prior) };
        }
      }
      const batch = coupon ? await repo.findBatch(tx, clubId, coupon.batch_id) : null;
      const verdict = this.evaluate(code, coupon, batch, memberId, input.cart, settings.max_discount_pct);
      if (!verdict.valid || !coupon || !batch) throw couponNotValid(verdict);
      if (!(await repo.spendBatch(tx, clubId, batch.batch_id, verdict.discountRials))) {
        throw couponNotValid({ ...verdict, valid: false, reason: 'budget_spent' });
      }
      await repo.changeCouponUses(tx, clubId, code, 1);
      const now = this.clock();
      await repo.insertUse(tx, clubId, {
        code,
        orderExternalId: input.orderExternalId,
        memberId,
        discountRials: verdict.discountRials,
        requestHash,
        at: now,
      });
      await enqueueEvents(tx, clubId, [
        {
          type: 'coupon.redeemed',
          payload: {
            memberId,
            code,
            orderExternalId: input.orderExternalId,
            discountRials: verdict.discountRials,
          },
        },
      ]);
      const use = await repo.findUse(tx, clubId, code, input.orderExternalId);
      return { status: 201 as const, body: toUse(use!) };
    });
  }

  /** A return or cancellation gives the use (and its budget) back, when the club releases uses. */
  async releaseCoupon(
    clubId: string,
    input: { code: string; orderExternalId: string; reason: 'return' | 'cancellation' },
  ): Promise<TCouponUse> {
    const settings = await repo.getDiscountSettings(this.db, clubId);
    if (!settings.release_on_return) {
      throw new AppError(
        'coupon_not_releasable',
        'This club keeps coupon uses on returns and cancellations (releaseOnReturn is off).',
      );
    }
    return this.db.transaction(async (tx) => {
      const code = normalizeCode(input.code);
      const coupon = await repo.findCoupon(tx, clubId, code, true);
      const use = coupon ? await repo.findUse(tx, clubId, code, input.orderExternalId, true) : null;
      if (!coupon || !use) {
        throw new AppError(
          'coupon_not_releasable',
          `Code ${code} was not redeemed for order ${input.orderExternalId}.`,
        );
      }
      if (use.status === 'released') return toUse(use);
      await this.releaseIn(tx, clubId, coupon, use, input.reason);
      return toUse((await repo.findUse(tx, clubId, code, input.orderExternalId))!);
    });
  }

  private async releaseIn(
    tx: Queryable,
    clubId: string,
    coupon: repo.CouponRow,
    use: repo.UseRow,
    reason: string,
  ): Promise<void> {
    await repo.markUseReleased(tx, clubId, use.code, use.order_external_id, reason, this.clock());
    await repo.changeCouponUses(tx, clubId, use.code, -1);
    await repo.refundBatch(tx, clubId, coupon.batch_id, use.discount_rials);
    await enqueueEvents(tx, clubId, [
      {
        type: 'coupon.released',
        payload: { memberId: use.member_id, code: use.code, orderExternalId: use.order_external_id, reason },
      },
    ]);
  }

  /** The job: uses on orders the shop cancelled or returned in full are given back (when the club says so). */
  async releaseUndoneOrders(clubId: string): Promise<number> {
    const settings = await repo.getDiscountSettings(this.db, clubId);
    if (!settings.release_on_return) return 0;
    const due = await repo.usesOfUndoneOrders(this.db, clubId, 1000);
    let n = 0;
    for (const d of due) {
      await this.db.transaction(async (tx) => {
        const coupon = await repo.findCoupon(tx, clubId, d.code, true);
        const use = await repo.findUse(tx, clubId, d.code, d.order_external_id, true);
        if (!coupon || !use || use.status !== 'redeemed') return;
        await this.releaseIn(tx, clubId, coupon, use, d.status === 'cancelled' ? 'cancellation' : 'return');
        n++;
      });
    }
    return n;
  }

  // ---- the rewards catalog ----

  private async rewardFields(
    clubId: string,
    rewardId: string,
    input: TRewardInput,
    batchId: string | null,
  ): Promise<repo.RewardFields> {
    const offer = rewardOffer(input.kind, input.config);
    if (offer) await this.checkGuardrail(clubId, depthPct(offer), input.guardrailOverride, 'config');
    if (input.kind === 'raffle_ticket' && !this.issuers.has('raffle_ticket')) {
      throw new AppError('validation_failed', 'kind: raffle tickets need the campaigns module', {
        errors: [{ field: 'kind', in: 'body', message: 'raffle tickets need the campaigns module' }],
      });
    }
    return {
      reward_id: rewardId,
      kind: input.kind,
      name_fa: input.nameFa,
      name_en: input.nameEn ?? null,
      description: input.description ?? null,
      cost_points: input.costPoints,
      config: {
        ...input.config,
        ...(input.guardrailOverride ? { guardrailOverride: input.guardrailOverride.reason } : {}),
      },
      stock: input.stock,
      limit_per_member: input.limitPerMember,
      valid_from: input.validFrom ? new Date(input.validFrom) : null,
      valid_to: input.validTo ? new Date(input.validTo) : null,
      coupon_valid_days: input.couponValidDays,
      target_tiers: input.targetTiers,
      is_active: input.isActive,
      batch_id: batchId,
    };
  }

  /** A batch that holds the member-bound codes a discount-kind reward issues. */
  private async rewardBatch(
    tx: Queryable,
    clubId: string,
    input: TRewardInput,
    author: string | null,
  ): Promise<string | null> {
    const offer = rewardOffer(input.kind, input.config);
    if (!offer) return null;
    const batch = await this.createBatch(
      clubId,
      {
        name: `reward: ${input.nameFa}`,
        kind: offer.kind,
        amountRials: offer.amountRials ?? undefined,
        percent: offer.percent ?? undefined,
        maxDiscountRials: offer.maxDiscountRials ?? undefined,
        minCartRials: offer.minCartRials,
        categories: offer.categories,
        giftSku: input.config.giftSku,
        giftValueRials: offer.giftValueRials ?? undefined,
        prefix: 'R',
        usesPerCode: 1,
        guardrailOverride: input.guardrailOverride,
      },
      author,
      'reward',
      tx,
    );
    return batch.id;
  }

  async createReward(clubId: string, input: TRewardInput, author: string | null): Promise<TReward> {
    const rewardId = newId('rwd');
    const fields = await this.rewardFields(clubId, rewardId, input, null);
    return this.db.transaction(async (tx) => {
      fields.batch_id = await this.rewardBatch(tx, clubId, input, author);
      return toReward(await repo.insertReward(tx, clubId, fields, this.clock()));
    });
  }

  /** Replaces a reward's definition; codes already issued keep the offer they were issued with. */
  async updateReward(
    clubId: string,
    rewardId: string,
    input: TRewardInput,
    author: string | null,
  ): Promise<TReward> {
    const current = await repo.findReward(this.db, clubId, rewardId);
    if (!current) throw notFound('Reward', rewardId);
    const fields = await this.rewardFields(clubId, rewardId, input, null);
    return this.db.transaction(async (tx) => {
      fields.batch_id = await this.rewardBatch(tx, clubId, input, author);
      return toReward(await repo.updateReward(tx, clubId, fields, this.clock()));
    });
  }

  async getReward(clubId: string, rewardId: string): Promise<TReward> {
    const row = await repo.findReward(this.db, clubId, rewardId);
    if (!row) throw notFound('Reward', rewardId);
    return toReward(row);
  }

  async listRewards(clubId: string): Promise<TReward[]> {
    return (await repo.listRewards(this.db, clubId, false)).map(toReward);
  }

  /** Why this member cannot have the reward now, or null. */
  private refusal(
    r: repo.RewardRow,
    tierKey: string | null,
    issuedToMember: number,
    available: number | null,
  ):
    | 'not_enough_points'
    | 'out_of_stock'
    | 'limit_reached'
    | 'not_started'
    | 'ended'
    | 'inactive'
    | 'tier'
    | null {
    const now = this.clock();
    if (!r.is_active) return 'inactive';
    if (r.valid_from && r.valid_from > now) return 'not_started';
    if (r.valid_to && r.valid_to <= now) return 'ended';
    if (r.target_tiers.length > 0 && (!tierKey || !r.target_tiers.includes(tierKey))) return 'tier';
    if (r.stock !== null && r.issued >= r.stock) return 'out_of_stock';
    if (r.limit_per_member !== null && issuedToMember >= r.limit_per_member) return 'limit_reached';
    if (available !== null && available < r.cost_points) return 'not_enough_points';
    return null;
  }

  /** The catalog as one member sees it: what they can redeem now and, if not, why. */
  async memberCatalog(clubId: string, memberExternalId: string) {
    const memberId = await this.services.members.getMemberId(clubId, memberExternalId);
    const balance = await this.services.points.getBalance(clubId, memberExternalId);
    const rows = await repo.listRewards(this.db, clubId, true);
    const counts = await repo.countMemberIssues(
      this.db,
      clubId,
      memberId,
      rows.map((r) => r.reward_id),
    );
    const tierKey = await repo.memberTierKey(this.db, clubId, memberId);
    return rows.map((r) => {
      const reason = this.refusal(r, tierKey, counts.get(r.reward_id) ?? 0, balance.available);
      return { reward: toReward(r), canRedeem: reason === null, reason };
    });
  }

  async listMemberIssues(clubId: string, memberExternalId: string): Promise<TRewardIssue[]> {
    const memberId = await this.services.members.getMemberId(clubId, memberExternalId);
    return (await repo.listMemberIssues(this.db, clubId, memberId)).map(toIssue);
  }

  /**
   * A member spends points on a reward, as a sequence of steps each with its undo:
   *   1. reserve the points (two-phase ledger)      undo: void the reservation
   *   2. issue the reward (stock, limit, coupon)    undo: void the issue, give stock back
   *   3. commit the reservation
   * A failure in step 2 voids step 1; a failure in step 3 undoes step 2, then voids step 1.
   * With an Idempotency-Key a retry answers the first issue.
   */
  async redeemReward(
    clubId: string,
    memberExternalId: string,
    rewardId: string,
    idempotencyKey: string | undefined,
  ): Promise<{ status: 200 | 201; body: TRewardIssue }> {
    const memberId = await this.services.members.getMemberId(clubId, memberExternalId);
    const sourceId = idempotencyKey ? `${memberId}:${idempotencyKey}` : newId('rdk');
    const prior = await repo.findIssueBySource(this.db, clubId, 'redeem', sourceId);
    if (prior) {
      if (prior.reward_id !== rewardId) {
        throw new AppError('idempotency_conflict', 'This Idempotency-Key was used to redeem another reward.');
      }
      return { status: 200, body: toIssue(prior) };
    }
    const reward = await repo.findReward(this.db, clubId, rewardId);
    if (!reward) throw notFound('Reward', rewardId);
    // Checked before any points move, so a refusal leaves nothing to undo.
    const tierKey = await repo.memberTierKey(this.db, clubId, memberId);
    const counts = await repo.countMemberIssues(this.db, clubId, memberId, [rewardId]);
    const reason = this.refusal(reward, tierKey, counts.get(rewardId) ?? 0, null);
    if (reason) throw unavailable(reward, reason);

    let redemptionId: string | null = null;
    if (reward.cost_points > 0) {
      const reserved = await this.services.points.reserve(
        clubId,
        memberExternalId,
        { points: reward.cost_points, orderExternalId: `reward:${rewardId}` },
        idempotencyKey ? `reward-redeem:${rewardId}:${idempotencyKey}` : undefined,
      );
      if (reserved.body.status !== 'pending') {
        throw new AppError(
          'redemption_not_pending',
          `An earlier attempt with this Idempotency-Key ended ${reserved.body.status}; use a new key.`,
        );
      }
      redemptionId = reserved.body.id;
    }
    let issueId: string;
    try {
      issueId = await this.issueIn(clubId, memberId, reward, { source: 'redeem', sourceId }, redemptionId);
    } catch (err) {
      if (redemptionId) await this.services.points.void(clubId, memberExternalId, redemptionId);
      throw err;
    }
    if (redemptionId) {
      try {
        await this.services.points.commit(clubId, memberExternalId, redemptionId);
      } catch (err) {
        await this.undoIssue(clubId, issueId, reward);
        await this.services.points.void(clubId, memberExternalId, redemptionId).catch(() => undefined);
        throw err;
      }
    }
    return { status: 201, body: toIssue((await repo.findIssue(this.db, clubId, issueId))!) };
  }

  /**
   * Gives a reward for free (a campaign, a referral welcome, a raffle prize). Idempotent by cause:
   * the same cause answers the issue it made.
   */
  async grantReward(
    clubId: string,
    memberId: string,
    rewardId: string,
    cause: IssueCause,
  ): Promise<TRewardIssue> {
    const prior = await repo.findIssueBySource(this.db, clubId, cause.source, cause.sourceId);
    if (prior) return toIssue(prior);
    const reward = await repo.findReward(this.db, clubId, rewardId);
    if (!reward) throw notFound('Reward', rewardId);
    const tierKey = await repo.memberTierKey(this.db, clubId, memberId);
    const counts = await repo.countMemberIssues(this.db, clubId, memberId, [rewardId]);
    const reason = this.refusal(reward, tierKey, counts.get(rewardId) ?? 0, null);
    if (reason && reason !== 'tier') throw unavailable(reward, reason);
    const issueId = await this.issueIn(clubId, memberId, reward, cause, null);
    return toIssue((await repo.findIssue(this.db, clubId, issueId))!);
  }

  /** Step 2: one transaction that takes stock, checks the member's limit, and issues. */
  private async issueIn(
    clubId: string,
    memberId: string,
    reward: repo.RewardRow,
    cause: IssueCause,
    redemptionId: string | null,
  ): Promise<string> {
    const now = this.clock();
    const issueId = newId('rwi');
    const issuer = reward.kind === 'raffle_ticket' ? this.issuers.get('raffle_ticket') : undefined;
    if (reward.kind === 'raffle_ticket' && !issuer) {
      throw unavailable(reward, 'inactive');
    }
    return this.db.transaction(async (tx) => {
      if (!(await repo.takeStock(tx, clubId, reward.reward_id))) throw unavailable(reward, 'out_of_stock');
      const fresh = (await repo.findReward(tx, clubId, reward.reward_id))!;
      if (fresh.limit_per_member !== null) {
        const n =
          (await repo.countMemberIssues(tx, clubId, memberId, [reward.reward_id])).get(reward.reward_id) ?? 0;
        if (n >= fresh.limit_per_member) throw unavailable(reward, 'limit_reached');
      }
      let couponCode: string | null = null;
      let details: Record<string, unknown> = {};
      if (fresh.batch_id) {
        const batch = await repo.findBatch(tx, clubId, fresh.batch_id);
        couponCode = await this.issueCoupon(
          tx,
          clubId,
          batch!,
          memberId,
          new Date(now.getTime() + fresh.coupon_valid_days * DAY_MS),
        );
      }
      if (issuer) details = await issuer(tx, clubId, memberId, fresh, issueId);
      if (fresh.kind === 'donation') {
        details = { cause: fresh.config.cause, donationRials: fresh.config.donationRials ?? null };
      }
      if (fresh.kind === 'gift_item') details = { giftSku: fresh.config.giftSku };
      await repo.insertIssue(tx, clubId, {
        issueId,
        rewardId: reward.reward_id,
        memberId,
        points: reward.cost_points,
        redemptionId,
        couponCode,
        source: cause.source,
        sourceId: cause.sourceId,
        details,
        at: now,
      });
      await enqueueEvents(tx, clubId, [
        {
          type: 'reward.issued',
          payload: {
            memberId,
            rewardId: reward.reward_id,
            issueId,
            kind: reward.kind,
            couponCode,
            source: cause.source,
          },
        },
      ]);
      return issueId;
    });
  }

  /** The undo of step 2. */
  private async undoIssue(clubId: string, issueId: string, reward: repo.RewardRow): Promise<void> {
    await this.db.transaction(async (tx) => {
      await repo.voidIssue(tx, clubId, issueId);
      await repo.giveStockBack(tx, clubId, reward.reward_id);
      const issue = await repo.findIssue(tx, clubId, issueId);
      // The code was never in the member's hands as a paid reward: it ends now.
      if (issue?.coupon_code) await repo.expireCoupon(tx, clubId, issue.coupon_code, this.clock());
    });
  }
}

function couponNotValid(v: TCouponValidation): AppError {
  return new AppError('coupon_not_valid', `Code ${v.code} cannot be redeemed: ${v.reason}.`, {
    reason: v.reason,
    message: v.reason ? REFUSAL_MESSAGES[v.reason] : null,
  });
}

function unavailable(r: repo.RewardRow, reason: string): AppError {
  return new AppError('reward_unavailable', `Reward ${r.reward_id} cannot be issued: ${reason}.`, { reason });
}

export function toBatch(r: repo.BatchRow): TCouponBatch {
  return {
    id: r.batch_id,
    name: r.name,
    kind: r.kind,
    amountRials: r.amount_rials,
    percent: r.percent,
    maxDiscountRials: r.max_discount_rials,
    minCartRials: r.min_cart_rials,
    categories: r.categories,
    giftSku: r.gift_sku,
    giftValueRials: r.gift_value_rials,
    prefix: r.prefix,
    source: r.source,
    usesPerCode: r.uses_per_code,
    validFrom: r.valid_from?.toISOString() ?? null,
    validTo: r.valid_to?.toISOString() ?? null,
    budgetRials: r.budget_rials,
    spentRials: r.spent_rials,
    codesCount: r.codes_count,
    isActive: r.is_active,
    depthPct: Math.round(depthPct(toOffer(r)) * 10) / 10,
    guardrailOverride: r.guardrail_override_reason
      ? { reason: r.guardrail_override_reason, author: r.guardrail_override_author }
      : null,
    createdAt: r.created_at.toISOString(),
  };
}

function toUse(u: repo.UseRow): TCouponUse {
  return {
    code: u.code,
    orderExternalId: u.order_external_id,
    memberExternalId: u.member_external_id,
    discountRials: u.discount_rials,
    status: u.status,
    redeemedAt: u.redeemed_at.toISOString(),
    releasedAt: u.released_at?.toISOString() ?? null,
  };
}

export function toReward(r: repo.RewardRow): TReward {
  return {
    id: r.reward_id,
    kind: r.kind,
    nameFa: r.name_fa,
    nameEn: r.name_en,
    description: r.description,
    costPoints: r.cost_points,
    config: r.config,
    stock: r.stock,
    issued: r.issued,
    remaining: r.stock === null ? null : Math.max(0, r.stock - r.issued),
    limitPerMember: r.limit_per_member,
    validFrom: r.valid_from?.toISOString() ?? null,
    validTo: r.valid_to?.toISOString() ?? null,
    couponValidDays: r.coupon_valid_days,
    targetTiers: r.target_tiers,
    isActive: r.is_active,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export function toIssue(i: repo.IssueRow): TRewardIssue {
  return {
    id: i.issue_id,
    rewardId: i.reward_id,
    kind: i.kind,
    memberExternalId: i.member_external_id,
    points: i.points,
    redemptionId: i.redemption_id,
    couponCode: i.coupon_code,
    couponExpiresAt: i.coupon_expires_at?.toISOString() ?? null,
    source: i.source,
    details: i.details,
    status: i.status,
    createdAt: i.created_at.toISOString(),
  };
}
