/**
 * The load generator, run as a child process of the bench so that building and parsing JSON does not
 * take CPU from the server's event loop. It drives closed-loop clients (each sends its next request when
 * the previous one is answered) over keep-alive HTTP connections, through Node's own `http` agent: no
 * dependency, and less client CPU per request than `fetch`, which matters on a 2-core machine.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { type BenchOrder, OrderFactory } from './orders.js';
import type { LoadResult, LoadSpec, ToParent } from './protocol.js';

const REQUEST_TIMEOUT_MS = 120_000;
const MAX_ERROR_SAMPLES = 5;

interface Answer {
  status: number;
  text: string;
}

function send(message: ToParent): Promise<void> {
  return new Promise((resolve, reject) => {
    process.send!(message, undefined, {}, (err) => (err ? reject(err) : resolve()));
  });
}

async function run(spec: LoadSpec): Promise<LoadResult> {
  const base = new URL(spec.baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.clients });
  const post = (path: string, body: string): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: base.hostname,
          port: base.port,
          path,
          method: 'POST',
          agent,
          headers: {
            authorization: `Bearer ${spec.apiKey}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('request timed out')));
      req.on('error', reject);
      req.end(body);
    });

  const result: LoadResult = {
    ackedOrders: 0,
    measuredOrders: 0,
    measuredSeconds: 0,
    measuredRequests: 0,
    latenciesMs: [],
    errors: 0,
    errorSamples: [],
  };
  const noteError = (sample: string, orders: number) => {
    result.errors += orders;
    if (result.errorSamples.length < MAX_ERROR_SAMPLES) result.errorSamples.push(sample.slice(0, 500));
  };

  const startAt = performance.now();
  const measureAt = startAt + spec.warmupMs;
  const stopAt = measureAt + spec.durationMs;
  let lastAnswerAt = measureAt;
  const measuringTimer = setTimeout(() => void send({ type: 'measuring' }), spec.warmupMs);

  const client = async (n: number) => {
    const factory = new OrderFactory(`${spec.idPrefix}-${n}`, spec.memberCount, spec.seed * 1000 + n);
    while (performance.now() < stopAt) {
      const size = spec.mode === 'single' ? 1 : spec.batchSize;
      const orders: BenchOrder[] = Array.from({ length: size }, () => factory.next());
      const body = JSON.stringify(spec.mode === 'single' ? orders[0] : { orders });
      const path = spec.mode === 'single' ? '/v1/orders' : '/v1/orders/batch';
      const sentAt = performance.now();
      let created = 0;
      try {
        const answer = await post(path, body);
        if (spec.mode === 'single') {
          if (answer.status === 201) created = 1;
          else noteError(`${answer.status} ${answer.text}`, 1);
        } else if (answer.status === 200) {
          const batch = JSON.parse(answer.text) as { created: number; results: Array<{ status: number }> };
          created = batch.created;
          if (created !== size) {
            const bad = batch.results.find((r) => r.status !== 201);
            noteError(`batch item ${JSON.stringify(bad)}`, size - created);
          }
        } else {
          noteError(`${answer.status} ${answer.text}`, size);
        }
      } catch (err) {
        noteError(`network: ${(err as Error).message}`, size);
        // A refused connection fails at once; pause so a dead server does not spin this loop.
        await new Promise((r) => setTimeout(r, 50));
      }
      const answeredAt = performance.now();
      result.ackedOrders += created;
      if (sentAt >= measureAt) {
        result.measuredRequests++;
        result.measuredOrders += created;
        result.latenciesMs.push(answeredAt - sentAt);
        if (answeredAt > lastAnswerAt) lastAnswerAt = answeredAt;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.clients }, (_, n) => client(n)));
  clearTimeout(measuringTimer);
  agent.destroy();
  result.measuredSeconds = (lastAnswerAt - measureAt) / 1000;
  return result;
}

process.once('message', (spec: LoadSpec) => {
  run(spec)
    .then((result) => {
      // The parent reads this process's CPU time before it lets it go.
      process.once('message', () => process.disconnect());
      return send({ type: 'done', result });
    })
    .catch((err: unknown) => {
      process.stderr.write(`load client failed: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    });
});
