import { z } from 'zod';
import type { Db } from '../../db/db.js';
import { AppError, notFound } from '../../errors.js';
import { authorOf } from '../../http/auth.js';
import { problems, SECURITY } from '../../http/schemas.js';
import type { Services, TApp } from '../../http/types.js';
import { newId } from '../../lib/ids.js';
import { ZExternalId } from '../members/index.js';
import { raiseMemberEvent } from './complaints.service.js';
import { fieldError } from './settings.js';

/** The event type raised through the club's event rules when a review is approved (once per member and product). */
export const REVIEW_APPROVED = 'review_approved';

const ZSku = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[^\s/?#]+$/, 'must be 1-64 characters without spaces, slashes, ? or #');

export const ZCreateReview = z
  .strictObject({
    memberExternalId: ZExternalId,
    sku: ZSku,
    rating: z.number().int().min(1).max(5),
    title: z.string().trim().min(1).max(200).optional(),
    body: z.string().trim().min(1).max(5000),
  })
  .meta({ id: 'CreateReview' });

export const ZReview = z
  .object({
    id: z.string().describe('`rev_…`'),
    memberExternalId: z.string(),
    sku: z.string(),
    orderExternalId: z.string().describe('The delivered order that verifies the purchase.'),
    verifiedPurchase: z.literal(true),
    rating: z.number().int(),
    title: z.string().nullable(),
    body: z.string(),
    status: z.enum(['pending', 'approved', 'rejected']),
    moderationNote: z.string().nullable(),
    moderatedAt: z.string().nullable(),
    helpful: z.number().int(),
    unhelpful: z.number().int(),
    createdAt: z.string(),
    pointsAwarded: z
      .number()
      .int()
      .optional()
      .describe('On approval: points from the club’s review_approved rule.'),
  })
  .meta({ id: 'Review' });
type TReview = z.infer<typeof ZReview>;

const ZModeration = z
  .strictObject({
    decision: z.enum(['approve', 'reject']),
    note: z.string().trim().min(1).max(1000).optional().describe('Why; shown to the member on rejection.'),
    author: z.string().trim().min(1).max(100).optional(),
  })
  .meta({ id: 'ReviewModeration' });

const ZVote = z
  .strictObject({ memberExternalId: ZExternalId, helpful: z.boolean() })
  .meta({ id: 'ReviewVote' });
const ZReviewPath = z.strictObject({ reviewId: z.string().min(1).max(64) });
const ZReviewQuery = z.strictObject({
  status: z.enum(['pending', 'approved', 'rejected']).optional().describe('pending is the moderation queue.'),
  sku: ZSku.optional(),
  memberExternalId: ZExternalId.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  before: z.string().max(64).optional().describe('Cursor: the last id of the previous page.'),
});
const ZSummary = z
  .object({
    sku: z.string(),
    reviews: z.number().int().describe('Approved reviews.'),
    averageRating: z.number().nullable(),
    distribution: z.record(z.string(), z.number().int()).describe('Approved reviews per rating 1-5.'),
  })
  .meta({ id: 'ReviewSummary' });

interface ReviewRow {
  review_id: string;
  member_id: string;
  external_id: string;
  sku: string;
  order_external_id: string;
  rating: number;
  title: string | null;
  body: string;
  status: 'pending' | 'approved' | 'rejected';
  moderation_note: string | null;
  moderated_at: Date | null;
  helpful_count: number;
  unhelpful_count: number;
  created_at: Date;
}
const SELECT = `select r.*, m.external_id from reviews r join members m on m.club_id = r.club_id and m.member_id = r.member_id`;
const toReview = (r: ReviewRow): TReview => ({
  id: r.review_id,
  memberExternalId: r.external_id,
  sku: r.sku,
  orderExternalId: r.order_external_id,
  verifiedPurchase: true,
  rating: r.rating,
  title: r.title,
  body: r.body,
  status: r.status,
  moderationNote: r.moderation_note,
  moderatedAt: r.moderated_at?.toISOString() ?? null,
  helpful: r.helpful_count,
  unhelpful: r.unhelpful_count,
  createdAt: r.created_at.toISOString(),
});

export class ReviewsService {
  constructor(
    private readonly db: Db,
    private readonly services: Services,
    private readonly clock: () => Date,
  ) {}

  async get(clubId: string, reviewId: string): Promise<TReview> {
    const { rows } = await this.db.query<ReviewRow>(`${SELECT} where r.club_id = $1 and r.review_id = $2`, [
      clubId,
      reviewId,
    ]);
    if (!rows[0]) throw notFound('Review', reviewId);
    return toReview(rows[0]);
  }

  async create(clubId: string, input: z.infer<typeof ZCreateReview>): Promise<TReview> {
    const id = await this.db.transaction(async (tx) => {
      const memberId = await this.services.members
        .getMemberId(clubId, input.memberExternalId, tx)
        .catch(() => {
          throw fieldError('memberExternalId', 'no such member in this club', 'member_not_found');
        });
      // Verified purchase: the member received an order with this product.
      const { rows } = await tx.query<{ external_id: string }>(
        `select o.external_id from orders o join order_lines l on l.club_id = o.club_id and l.order_id = o.order_id
         where o.club_id = $1 and o.member_id = $2 and l.sku = $3 and o.status = 'delivered'
         order by o.delivered_at desc limit 1`,
        [clubId, memberId, input.sku],
      );
      if (!rows[0]) {
        throw new AppError(
          'purchase_not_verified',
          `Member '${input.memberExternalId}' has no delivered order with '${input.sku}'.`,
          {
            errors: [{ field: 'sku', in: 'body', message: 'not in a delivered order of this member' }],
          },
        );
      }
      const reviewId = newId('rev');
      const res = await tx.query(
        `insert into reviews (club_id, review_id, member_id, sku, order_external_id, rating, title, body, status, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9) on conflict (club_id, member_id, sku) do nothing`,
        [
          clubId,
          reviewId,
          memberId,
          input.sku,
          rows[0].external_id,
          input.rating,
          input.title ?? null,
          input.body,
          this.clock(),
        ],
      );
      if (res.rowCount === 0) {
        throw new AppError('review_exists', 'This member already reviewed this product.', {
          errors: [{ field: 'sku', in: 'body', message: 'already reviewed by this member' }],
        });
      }
      return reviewId;
    });
    return this.get(clubId, id);
  }

  async list(clubId: string, q: z.infer<typeof ZReviewQuery>) {
    const memberId = q.memberExternalId
      ? await this.services.members.getMemberId(clubId, q.memberExternalId)
      : null;
    const { rows } = await this.db.query<ReviewRow>(
      `${SELECT} where r.club_id = $1 and ($2::text is null or r.status = $2) and ($3::text is null or r.sku = $3)
         and ($4::text is null or r.member_id = $4) and ($5::text is null or r.review_id < $5)
       order by r.review_id desc limit $6`,
      [clubId, q.status ?? null, q.sku ?? null, memberId, q.before ?? null, q.limit],
    );
    return {
      items: rows.map(toReview),
      nextCursor: rows.length === q.limit ? rows[rows.length - 1]!.review_id : null,
    };
  }

  async moderate(
    clubId: string,
    reviewId: string,
    input: z.infer<typeof ZModeration>,
    apiAuthor: string,
  ): Promise<TReview> {
    const status = input.decision === 'approve' ? 'approved' : 'rejected';
    const res = await this.db.query(
      `update reviews set status = $3, moderation_note = $4, moderated_by = $5, moderated_at = $6 where club_id = $1 and review_id = $2`,
      [clubId, reviewId, status, input.note ?? null, input.author ?? apiAuthor, this.clock()],
    );
    if (res.rowCount === 0) throw notFound('Review', reviewId);
    const review = await this.get(clubId, reviewId);
    if (status === 'approved') {
      // Once per member and product, whatever happens to the review later: the id names both.
      const { rows } = await this.db.query<{ member_id: string }>(
        'select member_id from reviews where club_id = $1 and review_id = $2',
        [clubId, reviewId],
      );
      review.pointsAwarded = await raiseMemberEvent(
        this.services,
        clubId,
        review.memberExternalId,
        REVIEW_APPROVED,
        `review_approved-${rows[0]!.member_id}-${review.sku}`,
      );
    }
    return review;
  }

  async vote(clubId: string, reviewId: string, input: z.infer<typeof ZVote>): Promise<TReview> {
    await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ member_id: string; status: string }>(
        'select member_id, status from reviews where club_id = $1 and review_id = $2 for update',
        [clubId, reviewId],
      );
      if (rows[0]?.status !== 'approved') throw notFound('Review', reviewId);
      const memberId = await this.services.members
        .getMemberId(clubId, input.memberExternalId, tx)
        .catch(() => {
          throw fieldError('memberExternalId', 'no such member in this club', 'member_not_found');
        });
      if (memberId === rows[0].member_id)
        throw fieldError('memberExternalId', 'a member cannot vote on their own review');
      await tx.query(
        `insert into review_votes (club_id, review_id, member_id, is_helpful, created_at) values ($1, $2, $3, $4, $5)
         on conflict (club_id, review_id, member_id) do update set is_helpful = excluded.is_helpful`,
        [clubId, reviewId, memberId, input.helpful, this.clock()],
      );
      await tx.query(
        `update reviews set helpful_count = (select count(*) from review_votes v where v.club_id = $1 and v.review_id = $2 and v.is_helpful),
           unhelpful_count = (select count(*) from review_votes v where v.club_id = $1 and v.review_id = $2 and not v.is_helpful)
         where club_id = $1 and review_id = $2`,
        [clubId, reviewId],
      );
    });
    return this.get(clubId, reviewId);
  }

  async summary(clubId: string, sku: string) {
    const { rows } = await this.db.query<{ rating: number; n: number }>(
      `select rating, count(*)::int as n from reviews where club_id = $1 and sku = $2 and status = 'approved' group by rating`,
      [clubId, sku],
    );
    const distribution: Record<string, number> = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 };
    let n = 0;
    let sum = 0;
    for (const r of rows) {
      distribution[String(r.rating)] = r.n;
      n += r.n;
      sum += r.rating * r.n;
    }
    return { sku, reviews: n, averageRating: n === 0 ? null : Math.round((sum / n) * 10) / 10, distribution };
  }
}

export function registerReviewsRoutes(app: TApp, reviews: ReviewsService): void {
  const tags = ['reviews'];
  app.post('/v1/reviews', {
    schema: {
      tags,
      summary: 'A member reviews a product they received',
      description:
        'Verified purchase: the member must have a delivered order with the SKU (422 otherwise). One review per member and product. Reviews wait for moderation.',
      security: SECURITY,
      body: ZCreateReview,
      response: { 201: ZReview, ...problems(409, 422) },
    },
    handler: async (req, reply) => reply.code(201).send(await reviews.create(req.clubId, req.body)),
  });
  app.get('/v1/reviews', {
    schema: {
      tags,
      summary: 'List reviews, newest first (status=pending is the moderation queue)',
      security: SECURITY,
      querystring: ZReviewQuery,
      response: {
        200: z.object({ items: z.array(ZReview), nextCursor: z.string().nullable() }),
        ...problems(404),
      },
    },
    handler: async (req) => reviews.list(req.clubId, req.query),
  });
  app.get('/v1/reviews/summary', {
    schema: {
      tags,
      summary: 'Rating summary of a product’s approved reviews',
      security: SECURITY,
      querystring: z.strictObject({ sku: ZSku }),
      response: { 200: ZSummary, ...problems() },
    },
    handler: async (req) => reviews.summary(req.clubId, req.query.sku),
  });
  app.get('/v1/reviews/:reviewId', {
    schema: {
      tags,
      summary: 'A review',
      security: SECURITY,
      params: ZReviewPath,
      response: { 200: ZReview, ...problems(404) },
    },
    handler: async (req) => reviews.get(req.clubId, req.params.reviewId),
  });
  app.post('/v1/reviews/:reviewId/moderation', {
    schema: {
      tags,
      summary: 'Approve or reject a review',
      description:
        'Approval raises `review_approved` through the club’s event rules: points once per member and product, even if approved again.',
      security: SECURITY,
      params: ZReviewPath,
      body: ZModeration,
      response: { 200: ZReview, ...problems(404) },
    },
    handler: async (req) =>
      reviews.moderate(
        req.clubId,
        req.params.reviewId,
        { ...req.body, author: authorOf(req, req.body.author) },
        req.apiKeyId,
      ),
  });
  app.post('/v1/reviews/:reviewId/votes', {
    schema: {
      tags,
      summary: 'A member marks an approved review helpful or not (one vote per member, changeable)',
      security: SECURITY,
      params: ZReviewPath,
      body: ZVote,
      response: { 200: ZReview, ...problems(404, 422) },
    },
    handler: async (req) => reviews.vote(req.clubId, req.params.reviewId, req.body),
  });
}
