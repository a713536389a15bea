import { z } from 'zod';
import type { Db } from '../../db/db.js';
import { problems, SECURITY } from '../../http/schemas.js';
import type { Services, TApp } from '../../http/types.js';
import { ZExternalId } from '../members/index.js';
import { enqueueEvents } from '../outbox/index.js';
import { bucketOf } from './business-time.js';
import { raiseMemberEvent, rangeOf } from './complaints.service.js';
import { readSettings } from './settings.js';

/** The event type raised through the club's event rules for a late delivery: an apology rule decides the gift. */
export const DELIVERY_LATE = 'delivery_late';

const ZCarriers = z
  .strictObject({
    items: z
      .array(z.strictObject({ orderExternalId: ZExternalId, carrier: z.string().trim().min(1).max(64) }))
      .min(1)
      .max(1000),
  })
  .meta({ id: 'OrderCarriers' });

const ZPromiseQuery = z.strictObject({
  by: z.enum(['week', 'month']).default('week').describe('Weeks start on Saturday; months are Jalali.'),
  split: z.enum(['none', 'province', 'carrier']).default('province'),
  from: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('Deliveries from; default 180 days before `to`.'),
  to: z.iso.datetime({ offset: true }).optional().describe('Default: now.'),
});

const ZPromiseCell = z.object({
  delivered: z.number().int().describe('Delivered orders that carried a promised time.'),
  onTime: z.number().int().describe('Delivered at or before the promise.'),
  onTimeRate: z.number().nullable().describe('Percent.'),
  meanDelayHours: z
    .number()
    .nullable()
    .describe('Mean lateness over all of them, an early delivery counting 0.'),
  meanLateHours: z.number().nullable().describe('Mean lateness of the late ones only.'),
});
const ZPromiseReport = z
  .object({
    by: z.enum(['week', 'month']),
    split: z.enum(['none', 'province', 'carrier']),
    rows: z.array(ZPromiseCell.extend({ period: z.string(), key: z.string().nullable() })),
    totals: z.array(ZPromiseCell.extend({ key: z.string().nullable() })),
  })
  .meta({ id: 'KeptPromisesReport' });

interface Acc {
  delivered: number;
  onTime: number;
  delayHours: number;
  lateHours: number;
}
const cell = (a: Acc) => {
  const late = a.delivered - a.onTime;
  const r1 = (x: number) => Math.round(x * 10) / 10;
  return {
    delivered: a.delivered,
    onTime: a.onTime,
    onTimeRate: a.delivered === 0 ? null : r1((a.onTime / a.delivered) * 100),
    meanDelayHours: a.delivered === 0 ? null : r1(a.delayHours / a.delivered),
    meanLateHours: late === 0 ? null : r1(a.lateHours / late),
  };
};

export class PromisesService {
  constructor(
    private readonly db: Db,
    private readonly services: Services,
    private readonly clock: () => Date,
  ) {}

  async setCarriers(clubId: string, input: z.infer<typeof ZCarriers>): Promise<{ saved: number }> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `insert into order_carriers (club_id, order_external_id, carrier)
         select $1, x.o, x.c from unnest($2::text[], $3::text[]) as x(o, c)
         on conflict (club_id, order_external_id) do update set carrier = excluded.carrier`,
        [clubId, input.items.map((i) => i.orderExternalId), input.items.map((i) => i.carrier)],
      );
    });
    return { saved: input.items.length };
  }

  /** On-time rate and delay of delivered orders with a promise, from `orders` (read only). */
  async report(clubId: string, q: z.infer<typeof ZPromiseQuery>) {
    const { from, to } = rangeOf(q, this.clock());
    const key = { none: 'null', province: 'm.province', carrier: 'oc.carrier' }[q.split];
    const { rows } = await this.db.query<{
      key: string | null;
      day: string;
      n: number;
      on_time: number;
      delay_h: number;
      late_h: number;
    }>(
      `select ${key} as key, to_char(o.delivered_at at time zone 'Asia/Tehran', 'YYYY-MM-DD') as day, count(*)::int as n,
         count(*) filter (where o.delivered_at <= o.promised_delivery_at)::int as on_time,
         coalesce(sum(greatest(0, extract(epoch from o.delivered_at - o.promised_delivery_at)) / 3600), 0)::float8 as delay_h,
         coalesce(sum(extract(epoch from o.delivered_at - o.promised_delivery_at) / 3600) filter (where o.delivered_at > o.promised_delivery_at), 0)::float8 as late_h
       from orders o
       join members m on m.club_id = o.club_id and m.member_id = o.member_id
       left join order_carriers oc on oc.club_id = o.club_id and oc.order_external_id = o.external_id
       where o.club_id = $1 and o.delivered_at >= $2 and o.delivered_at < $3 and o.promised_delivery_at is not null
       group by 1, 2`,
      [clubId, from, to],
    );
    const cells = new Map<string, Acc & { period: string; key: string | null }>();
    const totals = new Map<string | null, Acc>();
    for (const r of rows) {
      const period = bucketOf(r.day, q.by);
      const k = `${period}|${r.key}`;
      const c = cells.get(k) ?? { period, key: r.key, delivered: 0, onTime: 0, delayHours: 0, lateHours: 0 };
      const t = totals.get(r.key) ?? { delivered: 0, onTime: 0, delayHours: 0, lateHours: 0 };
      for (const a of [c, t]) {
        a.delivered += r.n;
        a.onTime += r.on_time;
        a.delayHours += r.delay_h;
        a.lateHours += r.late_h;
      }
      cells.set(k, c);
      totals.set(r.key, t);
    }
    return {
      by: q.by,
      split: q.split,
      rows: [...cells.values()]
        .sort((a, b) => a.period.localeCompare(b.period) || String(a.key).localeCompare(String(b.key)))
        .map((c) => ({ period: c.period, key: c.key, ...cell(c) })),
      totals: [...totals].map(([k, a]) => ({ key: k, ...cell(a) })).sort((a, b) => b.delivered - a.delivered),
    };
  }

  /**
   * The apology rule: each delivery at least `lateApologyHours` past its promise raises `delivery_late`
   * (the club's event rule decides the gift, once per order by its id) and a `promise.broken` outbox
   * event. Deliveries are found by the order row's update time, as the survey touchpoints are.
   */
  async scanLate(clubId: string): Promise<number> {
    const settings = await readSettings(this.db, clubId);
    if (!settings.lateApologyHours) return 0;
    const { rows: s } = await this.db.query<{ late_scanned_until: Date | null; db_now: Date }>(
      'select late_scanned_until, now() as db_now from voc_settings where club_id = $1',
      [clubId],
    );
    const since = s[0]?.late_scanned_until ?? s[0]!.db_now;
    const { rows } = await this.db.query<{
      order_id: string;
      external_id: string;
      member_id: string;
      member_external_id: string;
      late_h: number;
    }>(
      `select o.order_id, o.external_id, o.member_id, m.external_id as member_external_id,
         (extract(epoch from o.delivered_at - o.promised_delivery_at) / 3600)::float8 as late_h
       from orders o join members m on m.club_id = o.club_id and m.member_id = o.member_id
       where o.club_id = $1 and o.status = 'delivered' and o.updated_at > $2 and o.promised_delivery_at is not null
         and o.delivered_at >= o.promised_delivery_at + make_interval(hours => $3)
       order by o.updated_at limit 1000`,
      [clubId, new Date(since.getTime() - 60_000), settings.lateApologyHours],
    );
    for (const o of rows) {
      const points = await raiseMemberEvent(
        this.services,
        clubId,
        o.member_external_id,
        DELIVERY_LATE,
        `delivery_late-${o.order_id}`,
      );
      // Written once per order: the event's unique id in member_events already guards the points.
      await this.db.transaction(async (tx) => {
        const seen = await tx.query(
          `select 1 from outbox_events where club_id = $1 and type = 'promise.broken' and payload->>'orderId' = $2 limit 1`,
          [clubId, o.order_id],
        );
        if (seen.rows.length > 0) return;
        await enqueueEvents(tx, clubId, [
          {
            type: 'promise.broken',
            payload: {
              memberId: o.member_id,
              orderId: o.order_id,
              orderExternalId: o.external_id,
              lateHours: Math.round(o.late_h),
              points,
            },
          },
        ]);
      });
    }
    await this.db.query('update voc_settings set late_scanned_until = $2 where club_id = $1', [
      clubId,
      s[0]!.db_now,
    ]);
    return rows.length;
  }
}

export function registerPromisesRoutes(app: TApp, promises: PromisesService): void {
  const tags = ['kept promises'];
  app.put('/v1/promises/carriers', {
    schema: {
      tags,
      summary: 'Name the carrier of orders (by order external id)',
      description:
        'Orders carry no carrier in the core; this table lets the report split by carrier. Up to 1,000 per call.',
      security: SECURITY,
      body: ZCarriers,
      response: { 200: z.object({ saved: z.number().int() }), ...problems() },
    },
    handler: async (req) => promises.setCarriers(req.clubId, req.body),
  });
  app.get('/v1/promises/report', {
    schema: {
      tags,
      summary: 'On-time delivery rate and mean delay by province or carrier, by week or Jalali month',
      description:
        'Delivered orders with a promisedDeliveryAt, bucketed by delivery time (Tehran). An order without a carrier falls under key null.',
      security: SECURITY,
      querystring: ZPromiseQuery,
      response: { 200: ZPromiseReport, ...problems() },
    },
    handler: async (req) => promises.report(req.clubId, req.query),
  });
}
