/** Messages between the bench (which runs the server) and its load-generating child process. */

export interface LoadSpec {
  baseUrl: string;
  apiKey: string;
  mode: 'single' | 'batch';
  clients: number;
  /** Orders per request in batch mode. */
  batchSize: number;
  warmupMs: number;
  durationMs: number;
  memberCount: number;
  /** Prefix of the orders' external ids; unique per scenario so no order is a retry. */
  idPrefix: string;
  seed: number;
}

export interface LoadResult {
  /** Orders the server answered as created (201), warm-up included: the database must hold exactly these. */
  ackedOrders: number;
  /** Orders created by requests started in the measured window. */
  measuredOrders: number;
  /** From the start of the measured window to the answer of its last request. */
  measuredSeconds: number;
  measuredRequests: number;
  /** Request latencies of the measured window, in milliseconds. */
  latenciesMs: number[];
  /** Orders refused or lost (non-2xx answers, failed items, network errors), whole run. */
  errors: number;
  /** The first few error answers, to show what went wrong. */
  errorSamples: string[];
}

export type ToParent = { type: 'measuring' } | { type: 'done'; result: LoadResult };

/** Sent after `done`: the child stays alive until then, so its CPU time can still be read. */
export type ToChild = { type: 'exit' };
