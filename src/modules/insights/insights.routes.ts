import { z } from 'zod';
import { problems, SECURITY } from '../../http/schemas.js';
import type { TApp } from '../../http/types.js';
import {
  INSIGHTS_LIMITS,
  ZCategoryQuery,
  ZCategoryReport,
  ZClvDistribution,
  ZClvQuery,
  ZCohortQuery,
  ZCohortReport,
  ZInsightSettings,
  ZInsightsRun,
  ZInsightsRunList,
  ZLapsedPage,
  ZLapsedQuery,
  ZMemberInsights,
  ZMemberPath,
  ZModelCheckReport,
  ZMovementQuery,
  ZMovementReport,
  ZPatchInsightSettings,
  ZPointsLiability,
  ZProvinceReport,
  ZRepeatRate,
  ZRfmGrid,
  ZRunPath,
  ZRunQuery,
  ZSegmentReport,
  ZStartRun,
  ZTopCustomers,
} from './insights.schema.js';
import { type InsightsService, lapsedCsv } from './insights.service.js';

const NOT_READY =
  '404 `insights_not_ready` until a run has finished (start one with POST /v1/insights/runs; the daily job runs one too).';

export function registerInsightsRoutes(app: TApp, insights: InsightsService): void {
  const tags = ['insights'];

  app.post('/v1/insights/runs', {
    schema: {
      tags,
      summary: 'Compute the club’s customer insights now',
      description:
        'Reads the qualifying orders (paid, shipped or delivered, net of returns), scores RFM, fits BG/NBD and ' +
        'Gamma-Gamma, and stores a snapshot per buyer with pAlive, expected purchases, CLV and churn risk. Answers ' +
        'when done (seconds for thousands of members) with the run record: parameters, log-likelihoods, warnings ' +
        'and timings. A model that cannot be fitted (too few repeat buyers) is skipped with a warning; RFM is always ' +
        'stored. 409 while another run of the club is running.',
      security: SECURITY,
      body: ZStartRun,
      response: { 201: ZInsightsRun, ...problems(409) },
    },
    handler: async (req, reply) => {
      const asOf = req.body?.asOf;
      const run = await insights.run(req.clubId, 'api', asOf === undefined ? {} : { asOf: new Date(asOf) });
      return reply.code(201).send(run);
    },
  });

  app.get('/v1/insights/runs', {
    schema: {
      tags,
      summary: 'Recent insights runs, newest first',
      security: SECURITY,
      querystring: z.strictObject({
        limit: z.coerce.number().int().min(1).max(INSIGHTS_LIMITS.maxRunsListed).default(20),
      }),
      response: { 200: ZInsightsRunList, ...problems() },
    },
    handler: async (req) => ({ items: await insights.listRuns(req.clubId, req.query.limit) }),
  });

  app.get('/v1/insights/runs/:runId', {
    schema: {
      tags,
      summary: 'One insights run: fitted parameters, log-likelihoods, warnings, timings',
      security: SECURITY,
      params: ZRunPath,
      response: { 200: ZInsightsRun, ...problems(404) },
    },
    handler: async (req) => insights.getRun(req.clubId, req.params.runId),
  });

  app.get('/v1/insights/settings', {
    schema: {
      tags,
      summary: 'The club’s insights settings (CLV discount rate, margin, horizon; lapsed days)',
      security: SECURITY,
      response: { 200: ZInsightSettings, ...problems() },
    },
    handler: async (req) => insights.getSettings(req.clubId),
  });

  app.patch('/v1/insights/settings', {
    schema: {
      tags,
      summary: 'Change the club’s insights settings; the next run uses them',
      security: SECURITY,
      body: ZPatchInsightSettings,
      response: { 200: ZInsightSettings, ...problems() },
    },
    handler: async (req) => insights.patchSettings(req.clubId, req.body),
  });

  app.get('/v1/members/:externalId/insights', {
    schema: {
      tags,
      summary: 'A member’s latest insights: RFM, segment, pAlive, expected purchases, CLV, churn risk',
      description: `${NOT_READY} The same code when the member had no qualifying purchase as of that run.`,
      security: SECURITY,
      params: ZMemberPath,
      response: { 200: ZMemberInsights, ...problems(404) },
    },
    handler: async (req) => insights.getMemberInsights(req.clubId, req.params.externalId),
  });

  app.get('/v1/insights/reports/repeat-rate', {
    schema: {
      tags,
      summary: 'Repeat-purchase rate: share of buyers with purchases on two or more days',
      description: NOT_READY,
      security: SECURITY,
      querystring: ZRunQuery,
      response: { 200: ZRepeatRate, ...problems(404) },
    },
    handler: async (req) => insights.repeatRate(req.clubId, req.query.runId),
  });

  app.get('/v1/insights/reports/top-customers', {
    schema: {
      tags,
      summary: 'Share of revenue of the top 10% and 20% of customers',
      description: `Customers ranked by net spend; the top p% is ceil(p% of buyers). ${NOT_READY}`,
      security: SECURITY,
      querystring: ZRunQuery,
      response: { 200: ZTopCustomers, ...problems(404) },
    },
    handler: async (req) => insights.topCustomers(req.clubId, req.query.runId),
  });

  app.get('/v1/insights/reports/segments', {
    schema: {
      tags,
      summary: 'RFM segment sizes, revenue shares, CLV and churn-risk counts',
      description: NOT_READY,
      security: SECURITY,
      querystring: ZRunQuery,
      response: { 200: ZSegmentReport, ...problems(404) },
    },
    handler: async (req) => insights.segments(req.clubId, req.query.runId),
  });

  app.get('/v1/insights/reports/rfm-grid', {
    schema: {
      tags,
      summary: 'The RFM grid: members, revenue, mean spend and CLV per recency × frequency score pair',
      description: `All 25 cells (R 5 … 1, F 1 … 5), empty ones with 0 members, for a heatmap. ${NOT_READY}`,
      security: SECURITY,
      querystring: ZRunQuery,
      response: { 200: ZRfmGrid, ...problems(404) },
    },
    handler: async (req) => insights.rfmGrid(req.clubId, req.query.runId),
  });

  app.get('/v1/insights/reports/clv-distribution', {
    schema: {
      tags,
      summary: 'CLV distribution: a histogram of the buyers’ lifetime values, with quantiles',
      description:
        'Equal bins of a round width (1, 2, 2.5 or 5 × 10^k rials) from 0 to about the 99th percentile, then one ' +
        `open bin for the tail; mean, median, 90th and 99th percentiles and the maximum. ${NOT_READY}`,
      security: SECURITY,
      querystring: ZClvQuery,
      response: { 200: ZClvDistribution, ...problems(404) },
    },
    handler: async (req) => insights.clvDistribution(req.clubId, req.query),
  });

  app.get('/v1/insights/reports/model-check', {
    schema: {
      tags,
      summary: 'Model check: BG/NBD predicted against actual purchases in the last 90 days',
      description:
        'Each run also fits BG/NBD on the orders up to 90 days before its as-of day and compares the purchase days it ' +
        'expects in those 90 days with the actual ones, by repeat purchases in calibration (0 … 7+), as in Fader, ' +
        `Hardie & Lee (2005), figure 5. \`modelCheck.status\` is skipped, with the reason, when there is too little history. ${NOT_READY}`,
      security: SECURITY,
      querystring: ZRunQuery,
      response: { 200: ZModelCheckReport, ...problems(404) },
    },
    handler: async (req) => insights.modelCheck(req.clubId, req.query.runId),
  });

  app.get('/v1/insights/reports/lapsed', {
    schema: {
      tags,
      summary: 'Lapsed customers: bought before, now probably gone (JSON pages or CSV)',
      description:
        'Buyers with no order for `days` days (default the club’s lapsedDays) or BG/NBD pAlive below `pAliveBelow` ' +
        '(default 0.3), highest spend first. `format=csv` answers text/csv (UTF-8 with BOM, for spreadsheets) of up ' +
        `to ${INSIGHTS_LIMITS.maxCsvRows.toLocaleString('en-US')} rows, with the total in x-total-count. ${NOT_READY}`,
      security: SECURITY,
      querystring: ZLapsedQuery,
      response: {
        200: ZLapsedPage.describe(
          'JSON page; with format=csv the body is text/csv with the same columns as items.',
        ),
        ...problems(404),
      },
    },
    handler: async (req, reply) => {
      const page = await insights.lapsed(req.clubId, req.query);
      if (req.query.format === 'csv') {
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="lapsed-${page.runId}.csv"`)
          .header('x-total-count', String(page.total))
          .send(`\uFEFF${lapsedCsv(page.items)}` as never);
      }
      return page;
    },
  });

  app.get('/v1/insights/reports/cohorts', {
    schema: {
      tags,
      summary: 'Cohort retention by the Jalali month of the first order',
      description:
        'For each of the last `months` Jalali months (Tehran time), the members whose first qualifying order was in it, ' +
        'and for k = 1, 2, … the share of them with a qualifying order in month cohort + k. Live from the orders.',
      security: SECURITY,
      querystring: ZCohortQuery,
      response: { 200: ZCohortReport, ...problems() },
    },
    handler: async (req) => insights.cohorts(req.clubId, req.query.months),
  });

  app.get('/v1/insights/reports/segment-movements', {
    schema: {
      tags,
      summary: 'How members moved between RFM segments from one snapshot to another',
      description: `A from × to count matrix over the 11 segments, plus members who entered or left. ${NOT_READY}`,
      security: SECURITY,
      querystring: ZMovementQuery,
      response: { 200: ZMovementReport, ...problems(404) },
    },
    handler: async (req) => insights.segmentMovements(req.clubId, req.query.from, req.query.to),
  });

  app.get('/v1/insights/reports/provinces', {
    schema: {
      tags,
      summary: 'Buyers, repeat rate, revenue, CLV and churn risk by province',
      description: NOT_READY,
      security: SECURITY,
      querystring: ZRunQuery,
      response: { 200: ZProvinceReport, ...problems(404) },
    },
    handler: async (req) => insights.provinces(req.clubId, req.query.runId),
  });

  app.get('/v1/insights/reports/categories', {
    schema: {
      tags,
      summary: 'Orders, buyers, units and line revenue by product category',
      description:
        'Live from the order lines of qualifying orders placed in [from, to): revenue is (quantity − returned) × ' +
        `unit price. Default: the last 365 days; at most ${INSIGHTS_LIMITS.maxRangeDays} days.`,
      security: SECURITY,
      querystring: ZCategoryQuery,
      response: { 200: ZCategoryReport, ...problems() },
    },
    handler: async (req) => insights.categories(req.clubId, req.query),
  });

  app.get('/v1/insights/reports/points-liability', {
    schema: {
      tags,
      summary: 'Points liability: points outstanding × the club’s rial value per point',
      description:
        'Live: outstanding = available + pending member balances; reserved points are shown apart.',
      security: SECURITY,
      response: { 200: ZPointsLiability, ...problems() },
    },
    handler: async (req) => insights.pointsLiability(req.clubId),
  });
}
