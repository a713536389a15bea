import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { guardedLookup, isPrivateAddress } from './url-guard.js';

export interface PostResult {
  /** True for a 2xx answer. */
  ok: boolean;
  statusCode: number | null;
  responseMs: number;
  /** Why it failed: `timeout`, `connection closed`, `HTTP 500`, ...; null when ok. */
  error: string | null;
  /** The first bytes of the answer, for the delivery log. */
  responseSnippet: string | null;
}

const SNIPPET_BYTES = 1024;
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * One POST with a hard deadline covering connect, send and the whole answer. Redirects are not
 * followed (a receiver must answer 2xx at its URL), the answer is read up to 64 KiB, and private
 * addresses are refused at connection time unless allowed.
 */
export function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  opts: { timeoutMs: number; allowPrivate: boolean },
): Promise<PostResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: Omit<PostResult, 'responseMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, responseMs: elapsed() });
    };
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      finish({ ok: false, statusCode: null, error: 'invalid URL', responseSnippet: null });
      return;
    }
    const host = target.hostname.replace(/^\[|\]$/g, '');
    if (!opts.allowPrivate && net.isIP(host) && isPrivateAddress(host)) {
      finish({
        ok: false,
        statusCode: null,
        error: `private address ${host} refused`,
        responseSnippet: null,
      });
      return;
    }
    const lib = target.protocol === 'https:' ? https : http;
    const req = lib.request(target, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': 'Vafa-Webhooks/1',
        ...headers,
      },
      lookup: guardedLookup(opts.allowPrivate),
      agent: false,
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish({
        ok: false,
        statusCode: null,
        error: `timeout after ${opts.timeoutMs} ms`,
        responseSnippet: null,
      });
    }, opts.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      const reason =
        err.code === 'ECONNRESET' || err.message === 'socket hang up'
          ? 'connection closed by the receiver'
          : err.code === 'ECONNREFUSED'
            ? 'connection refused'
            : (err.code ?? err.message);
      finish({ ok: false, statusCode: null, error: reason, responseSnippet: null });
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_RESPONSE_BYTES) chunks.push(c);
        else res.destroy();
      });
      const done = () => {
        const status = res.statusCode ?? 0;
        const ok = status >= 200 && status < 300;
        finish({
          ok,
          statusCode: status,
          error: ok ? null : `HTTP ${status}`,
          responseSnippet: Buffer.concat(chunks).subarray(0, SNIPPET_BYTES).toString('utf8') || null,
        });
      };
      res.on('end', done);
      res.on('close', done);
      res.on('error', () => done());
    });
    req.end(body);
  });
}
