import dns from 'node:dns';
import net from 'node:net';
import { fieldError } from '../../errors.js';

/**
 * Webhook URLs are fetched by the server, so a URL pointing at the server's own network (loopback,
 * RFC 1918, link-local, unique-local IPv6, the cloud metadata address) would let a club probe it.
 * Such addresses are refused unless the club allows them (a shop on the same private network, tests).
 */
export function isPrivateAddress(ip: string): boolean {
  if (net.isIPv4(ip)) {
    const [a, b] = ip.split('.').map(Number) as [number, number, number, number];
    return (
      a === 10 ||
      a === 127 ||
      a === 0 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      (a === 100 && b >= 64 && b <= 127) ||
      a >= 224
    );
  }
  const v6 = ip.toLowerCase();
  if (v6 === '::1' || v6 === '::') return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v6);
  if (mapped) return isPrivateAddress(mapped[1]!);
  // fc00::/7 (unique local) and fe80::/10 (link-local)
  return /^f[cd]/.test(v6) || /^fe[89ab]/.test(v6);
}

/** Parses and checks a webhook URL's form: http(s), a host, no credentials, at most 2,000 characters. */
export function parseWebhookUrl(raw: string, field = 'url'): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw fieldError(field, 'is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw fieldError(field, 'must be http or https');
  if (url.username || url.password) throw fieldError(field, 'must not contain credentials');
  if (raw.length > 2000) throw fieldError(field, 'must be at most 2000 characters');
  return url;
}

/**
 * Resolves the host and refuses private addresses unless allowed. Used when a subscription is saved
 * (a clear error for staff) and again at every connection (see `guardedLookup`), so a DNS answer that
 * changes later cannot point deliveries inward.
 */
export async function checkWebhookUrl(raw: string, allowPrivate: boolean, field = 'url'): Promise<URL> {
  const url = parseWebhookUrl(raw, field);
  if (allowPrivate) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: dns.LookupAddress[];
  try {
    addresses = net.isIP(host)
      ? [{ address: host, family: net.isIP(host) }]
      : await dns.promises.lookup(host, { all: true });
  } catch {
    throw fieldError(field, `the host ${host} does not resolve`);
  }
  const bad = addresses.find((a) => isPrivateAddress(a.address));
  if (bad) {
    throw fieldError(
      field,
      `resolves to the private or loopback address ${bad.address}; refused unless the club allows private URLs (PATCH /v1/webhooks/settings)`,
    );
  }
  return url;
}

export class PrivateAddressError extends Error {
  readonly code = 'EPRIVATEADDRESS';
}

/** A `lookup` for http.request that refuses private addresses at connection time. */
export function guardedLookup(allowPrivate: boolean): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as dns.LookupAddress[];
      if (!allowPrivate) {
        const bad = list.find((a) => isPrivateAddress(a.address));
        if (bad)
          return callback(
            new PrivateAddressError(`${hostname} resolves to private address ${bad.address}`),
            '',
            0,
          );
      }
      if ((options as dns.LookupOptions).all)
        return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      const first = list[0]!;
      callback(null, first.address, first.family);
    });
  };
}
