import { z } from 'zod';
import { problems, SECURITY } from '../../http/schemas.js';
import type { AppContext, TApp } from '../../http/types.js';
import {
  ZMemberEvent,
  ZMemberEventInput,
  ZRule,
  ZRuleInput,
  ZRulePath,
  ZSimulateOrder,
  ZSimulation,
} from './rules.schema.js';

export function registerRulesRoutes(app: TApp, ctx: AppContext): void {
  const { rules } = ctx.services;

  app.get('/v1/rules', {
    schema: {
      tags: ['rules'],
      summary: 'The club’s earning rules, in priority order',
      security: SECURITY,
      response: { 200: z.object({ items: z.array(ZRule) }), ...problems() },
    },
    handler: async (req) => ({ items: await rules.listRules(req.clubId) }),
  });

  app.post('/v1/rules', {
    schema: {
      tags: ['rules'],
      summary: 'Add an earning rule',
      description:
        'Kinds: rate, multiplier (by category or SKU), product_bonus, first_order, birthday, event, tier_multiplier. ' +
        'Rules run by ascending priority (unique per club); `stop` ends the evaluation when the rule applies. ' +
        'A club with no order rules earns by its default rate (rialsPerPoint).',
      security: SECURITY,
      body: ZRuleInput,
      response: { 201: ZRule, ...problems() },
    },
    handler: async (req, reply) => reply.code(201).send(await rules.createRule(req.clubId, req.body)),
  });

  app.put('/v1/rules/:ruleId', {
    schema: {
      tags: ['rules'],
      summary: 'Replace an earning rule’s definition',
      description: 'Raises the rule’s version. Points already earned keep what they earned.',
      security: SECURITY,
      params: ZRulePath,
      body: ZRuleInput,
      response: { 200: ZRule, ...problems(404) },
    },
    handler: async (req) => rules.updateRule(req.clubId, req.params.ruleId, req.body),
  });

  app.delete('/v1/rules/:ruleId', {
    schema: {
      tags: ['rules'],
      summary: 'Archive an earning rule',
      security: SECURITY,
      params: ZRulePath,
      response: { 204: z.null(), ...problems(404) },
    },
    handler: async (req, reply) => {
      await rules.archiveRule(req.clubId, req.params.ruleId);
      return reply.code(204).send(null);
    },
  });

  app.post('/v1/orders/simulate', {
    schema: {
      tags: ['rules', 'orders'],
      summary: 'What an order would earn, rule by rule; writes nothing',
      security: SECURITY,
      body: ZSimulateOrder,
      response: { 200: ZSimulation, ...problems(422) },
    },
    handler: async (req) => rules.simulate(req.clubId, req.body),
  });

  app.post('/v1/events', {
    schema: {
      tags: ['rules'],
      summary: 'Record a member event (review_approved, survey_answered, app_installed, …)',
      description:
        'Idempotent by externalId: the same event again answers 200 and earns nothing twice. Event rules for the type ' +
        'credit points straight to available, within their limits per member and period.',
      security: SECURITY,
      body: ZMemberEventInput,
      response: { 200: ZMemberEvent, 201: ZMemberEvent, ...problems(409, 422) },
    },
    handler: async (req, reply) => {
      const result = await rules.recordEvent(req.clubId, req.body);
      return reply.code(result.status as 200 | 201).send(result.body);
    },
  });
}
