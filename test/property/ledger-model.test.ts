import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, ledgerTotal, setupEnv, type TestClub, type TestEnv } from '../helpers.js';

/**
 * Random sequences of orders, retries, status changes, returns, cancellations, adjustments and the
 * passing of time, checked against a plain model of the documented rules (docs/ledger.md): every
 * balance equals the model's, every refusal is the model's, and the ledger sums to zero.
 */

const RIALS_PER_POINT = 10_000;
const WINDOW_DAYS = 14;
const RANK = { placed: 0, paid: 1, shipped: 2, delivered: 3 } as const;
type Status = keyof typeof RANK | 'cancelled';

interface ModelOrder {
  id: string;
  member: number;
  total: number;
  status: Status;
  returned: number;
  lot: { earned: number; reversed: number; released: boolean; availableAt: number | null } | null;
  body: Record<string, unknown>;
}
interface ModelMember {
  available: number;
  pending: number;
  debt: number;
  lifetime: number;
}

type Cmd =
  | { kind: 'order'; member: number; total: number; status: 'placed' | 'paid' | 'delivered' }
  | { kind: 'retry'; pick: number }
  | { kind: 'status'; pick: number; status: Status }
  | { kind: 'return'; pick: number; fraction: number }
  | { kind: 'adjust'; member: number; points: number }
  | { kind: 'time'; days: number }
  | { kind: 'read'; member: number };

const MEMBERS = 3;
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('order' as const),
      member: fc.nat(MEMBERS - 1),
      total: fc.integer({ min: 0, max: 5_000_000 }),
      status: fc.constantFrom('placed' as const, 'paid' as const, 'delivered' as const),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('retry' as const), pick: fc.nat() }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('status' as const),
      pick: fc.nat(),
      status: fc.constantFrom<Status>('paid', 'shipped', 'delivered', 'cancelled', 'placed'),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('return' as const),
      pick: fc.nat(),
      fraction: fc.double({ min: 0.01, max: 1.2, noNaN: true }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('adjust' as const),
      member: fc.nat(MEMBERS - 1),
      points: fc.integer({ min: -400, max: 400 }).filter((p) => p !== 0),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('time' as const), days: fc.integer({ min: 1, max: 20 }) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('read' as const), member: fc.nat(MEMBERS - 1) }) },
);

describe.each(BACKENDS)('the ledger against a model on $name', ({ url }) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await setupEnv(url);
  });
  afterAll(async () => env?.close());

  it('keeps every balance equal to the model and the ledger at zero', { timeout: 300_000 }, async () => {
    let runNo = 0;
    let commandsRun = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(cmdArb, { minLength: 5, maxLength: 30 }), async (cmds) => {
        runNo++;
        const club: TestClub = await env.newClub(`model ${runNo}`);
        const members: ModelMember[] = [];
        for (let m = 0; m < MEMBERS; m++) {
          await club.call('PUT', `/v1/members/M${m}`, { firstName: `m${m}` });
          members.push({ available: 0, pending: 0, debt: 0, lifetime: 0 });
        }
        const orders: ModelOrder[] = [];
        const now = () => env.clock.now().getTime();

        const settle = (m: ModelMember) => {
          const repay = Math.min(m.available, m.debt);
          m.available -= repay;
          m.debt -= repay;
        };
        const earn = (o: ModelOrder, deliveredAt: number | null) => {
          const earned = Math.floor(o.total / RIALS_PER_POINT);
          if (earned <= 0) return;
          o.lot = {
            earned,
            reversed: 0,
            released: false,
            availableAt: deliveredAt === null ? null : deliveredAt + WINDOW_DAYS * 86_400_000,
          };
          members[o.member]!.pending += earned;
          members[o.member]!.lifetime += earned;
        };
        const reverseTo = (o: ModelOrder, returned: number) => {
          const lot = o.lot;
          if (!lot) return 0;
          const target = returned >= o.total ? lot.earned : Math.floor((lot.earned * returned) / o.total);
          const delta = target - lot.reversed;
          if (delta <= 0) return 0;
          lot.reversed += delta;
          const m = members[o.member]!;
          m.lifetime -= delta;
          if (!lot.released) m.pending -= delta;
          else {
            const take = Math.min(m.available, delta);
            m.available -= take;
            m.debt += delta - take;
          }
          return delta;
        };
        const releaseFor = (member: number) => {
          const m = members[member]!;
          let any = false;
          for (const o of orders) {
            if (
              o.member !== member ||
              !o.lot ||
              o.lot.released ||
              o.lot.availableAt === null ||
              o.lot.availableAt > now()
            )
              continue;
            o.lot.released = true;
            any = true;
            const remaining = o.lot.earned - o.lot.reversed;
            m.pending -= remaining;
            m.available += remaining;
          }
          if (any) settle(m);
        };

        for (const cmd of cmds) {
          commandsRun++;
          const pick = (n: number) => orders[n % Math.max(orders.length, 1)];
          if (cmd.kind === 'order') {
            const id = `O${orders.length}`;
            const at = new Date(now() - 60_000).toISOString();
            const body = {
              externalId: id,
              memberExternalId: `M${cmd.member}`,
              placedAt: at,
              totalRials: cmd.total,
              status: cmd.status,
              lines: [{ sku: 'S1', quantity: 1, unitPriceRials: cmd.total }],
            };
            const res = await club.call('POST', '/v1/orders', body);
            expect(res.status).toBe(201);
            const o: ModelOrder = {
              id,
              member: cmd.member,
              total: cmd.total,
              status: cmd.status,
              returned: 0,
              lot: null,
              body,
            };
            orders.push(o);
            if (cmd.status !== 'placed') earn(o, cmd.status === 'delivered' ? Date.parse(at) : null);
          } else if (cmd.kind === 'retry') {
            const o = pick(cmd.pick);
            if (!o) continue;
            const res = await club.call('POST', '/v1/orders', o.body);
            expect(res.status).toBe(200);
          } else if (cmd.kind === 'status') {
            const o = pick(cmd.pick);
            if (!o) continue;
            const res = await club.call('POST', `/v1/orders/${o.id}/status`, { status: cmd.status });
            if (cmd.status === o.status) {
              expect(res.status).toBe(200);
            } else if (
              o.status === 'cancelled' ||
              (cmd.status !== 'cancelled' && RANK[cmd.status] < RANK[o.status as keyof typeof RANK])
            ) {
              expect(res.status).toBe(409);
            } else {
              expect(res.status, JSON.stringify(res.body)).toBe(200);
              const from = o.status;
              o.status = cmd.status;
              if (cmd.status === 'cancelled') reverseTo(o, o.total);
              else if (from === 'placed')
                earn(o, cmd.status === 'delivered' ? Date.parse(res.body.deliveredAt) : null);
              else if (cmd.status === 'delivered' && o.lot && !o.lot.released)
                o.lot.availableAt = Date.parse(res.body.deliveredAt) + WINDOW_DAYS * 86_400_000;
            }
          } else if (cmd.kind === 'return') {
            const o = pick(cmd.pick);
            if (!o) continue;
            const amount = Math.max(1, Math.round(o.total * cmd.fraction));
            const res = await club.call('POST', `/v1/orders/${o.id}/returns`, {
              externalId: `R${commandsRun}`,
              amountRials: amount,
            });
            if (o.status === 'placed' || o.status === 'cancelled')
              expect(res.body.code).toBe('order_not_returnable');
            else if (amount > o.total - o.returned) expect(res.body.code).toBe('return_exceeds_order');
            else {
              expect(res.status).toBe(201);
              o.returned += amount;
              expect(res.body.return.pointsReversed).toBe(reverseTo(o, o.returned));
            }
          } else if (cmd.kind === 'adjust') {
            // An adjustment first brings the member's points up to now, as a read or a reservation does.
            releaseFor(cmd.member);
            const m = members[cmd.member]!;
            const res = await club.call('POST', `/v1/members/M${cmd.member}/points/adjustments`, {
              points: cmd.points,
              reason: 'model',
            });
            if (cmd.points < 0 && m.available < -cmd.points)
              expect(res.body.code).toBe('insufficient_points');
            else {
              expect(res.status).toBe(201);
              m.available += cmd.points;
              if (cmd.points > 0) {
                m.lifetime += cmd.points;
                settle(m);
              }
            }
          } else if (cmd.kind === 'time') {
            env.clock.advanceDays(cmd.days);
          } else {
            releaseFor(cmd.member);
            const res = await club.call('GET', `/v1/members/M${cmd.member}/points`);
            const m = members[cmd.member]!;
            expect(res.body).toMatchObject({
              available: m.available,
              pending: m.pending,
              debt: m.debt,
              lifetimeEarned: m.lifetime,
            });
          }
        }
        for (let i = 0; i < MEMBERS; i++) {
          releaseFor(i);
          const res = await club.call('GET', `/v1/members/M${i}/points`);
          const m = members[i]!;
          expect(res.body).toMatchObject({
            available: m.available,
            pending: m.pending,
            debt: m.debt,
            lifetimeEarned: m.lifetime,
          });
        }
        expect(await ledgerTotal(env, club.clubId)).toBe(0);
      }),
      { numRuns: 60 },
    );
    // The figure is reported so a reader knows how much was tried.
    console.info(`ledger model: ${runNo} runs, ${commandsRun} commands`);
    expect(commandsRun).toBeGreaterThan(600);
  });
});
