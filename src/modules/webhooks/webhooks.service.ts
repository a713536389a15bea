import { randomBytes } from 'node:crypto';
import type { Db, Queryable } from '../../db/db.js';
import { AppError, notFound } from '../../errors.js';
import { newId } from '../../lib/ids.js';
import { postJson } from './http-send.js';
import { backoffMs, DEFAULT_RETRY, type RetryPolicy } from './retry.js';
import { generateSecret, maskSecret, signatureHeaders } from './signing.js';
import { checkWebhookUrl } from './url-guard.js';
import * as repo from './webhooks.repo.js';
import {
  MAX_SUBSCRIPTIONS_PER_CLUB,
  type TCreateSubscription,
  type TDelivery,
  type TSubscription,
  type TUpdateSubscription,
} from './webhooks.schema.js';

export interface WebhookDeliveryOptions extends RetryPolicy {
  /** One attempt (connect, send, whole answer) longer than this fails as a timeout. */
  timeoutMs: number;
  /** A claimed delivery is not retried by another worker before this; longer than timeoutMs. */
  leaseMs: number;
  /** Deliveries claimed per round. */
  batchSize: number;
  /** Deliveries sent at once. */
  concurrency: number;
  /** How long a rotated-out secret still signs deliveries. */
  rotationGraceMs: number;
}

export const DEFAULT_DELIVERY: WebhookDeliveryOptions = {
  ...DEFAULT_RETRY,
  timeoutMs: 10_000,
  leaseMs: 60_000,
  batchSize: 50,
  concurrency: 8,
  rotationGraceMs: 24 * 3600_000,
};

export class WebhooksService {
  readonly opts: WebhookDeliveryOptions;

  constructor(
    private readonly db: Db,
    private readonly clock: () => Date,
    opts: Partial<WebhookDeliveryOptions> = {},
  ) {
    this.opts = { ...DEFAULT_DELIVERY, ...opts };
    if (this.opts.leaseMs <= this.opts.timeoutMs) this.opts.leaseMs = this.opts.timeoutMs + 5_000;
  }

  async getSettings(clubId: string): Promise<{ allowPrivateUrls: boolean }> {
    return { allowPrivateUrls: await repo.findAllowPrivate(this.db, clubId) };
  }

  async updateSettings(clubId: string, allowPrivateUrls: boolean): Promise<{ allowPrivateUrls: boolean }> {
    await repo.upsertSettings(this.db, clubId, allowPrivateUrls);
    return { allowPrivateUrls };
  }

  async createSubscription(
    clubId: string,
    input: TCreateSubscription,
  ): Promise<TSubscription & { secret: string }> {
    const url = await checkWebhookUrl(input.url, await repo.findAllowPrivate(this.db, clubId));
    if ((await repo.countSubscriptions(this.db, clubId)) >= MAX_SUBSCRIPTIONS_PER_CLUB) {
      throw new AppError(
        'validation_failed',
        `A club has at most ${MAX_SUBSCRIPTIONS_PER_CLUB} webhook subscriptions; delete one first.`,
      );
    }
    const secret = generateSecret();
    const row = await repo.insertSubscription(this.db, {
      clubId,
      id: newId('whs'),
      url: url.toString(),
      eventTypes: [...new Set(input.eventTypes)],
      description: input.description ?? null,
      secret,
    });
    return { ...toSubscription(row), secret };
  }

  async listSubscriptions(clubId: string): Promise<TSubscription[]> {
    return (await repo.listSubscriptions(this.db, clubId)).map(toSubscription);
  }

  async getSubscription(clubId: string, id: string): Promise<TSubscription> {
    const row = await repo.findSubscription(this.db, clubId, id);
    if (!row) throw notFound('Webhook subscription', id);
    return toSubscription(row);
  }

  async updateSubscription(clubId: string, id: string, patch: TUpdateSubscription): Promise<TSubscription> {
    const url =
      patch.url === undefined
        ? undefined
        : (await checkWebhookUrl(patch.url, await repo.findAllowPrivate(this.db, clubId))).toString();
    const row = await repo.updateSubscription(this.db, clubId, id, {
      ...patch,
      url,
      eventTypes: patch.eventTypes ? [...new Set(patch.eventTypes)] : undefined,
    });
    if (!row) throw notFound('Webhook subscription', id);
    return toSubscription(row);
  }

  /** A new secret; the old one keeps signing (as a second signature) for the grace period. */
  async rotateSecret(clubId: string, id: string): Promise<TSubscription & { secret: string }> {
    const secret = generateSecret();
    const until = new Date(this.clock().getTime() + this.opts.rotationGraceMs);
    const row = await repo.rotateSecret(this.db, clubId, id, secret, until);
    if (!row) throw notFound('Webhook subscription', id);
    return { ...toSubscription(row), secret };
  }

  async deleteSubscription(clubId: string, id: string): Promise<void> {
    const deleted = await this.db.transaction((tx) => repo.deleteSubscription(tx, clubId, id));
    if (!deleted) throw notFound('Webhook subscription', id);
  }

  async listDeliveries(
    clubId: string,
    q: {
      subscriptionId?: string | undefined;
      status?: string | undefined;
      eventId?: string | undefined;
      limit: number;
    },
  ): Promise<TDelivery[]> {
    return (await repo.listDeliveries(this.db, clubId, q)).map(toDelivery);
  }

  async getDelivery(clubId: string, id: string) {
    const row = await repo.findDelivery(this.db, clubId, id);
    if (!row) throw notFound('Webhook delivery', id);
    const log = await repo.listAttempts(this.db, clubId, id);
    return {
      ...toDelivery(row),
      log: log.map((a) => ({
        at: a.started_at.toISOString(),
        statusCode: a.status_code,
        responseMs: a.response_ms,
        error: a.error,
        response: a.response_snippet,
      })),
    };
  }

  async replayDelivery(clubId: string, id: string): Promise<TDelivery> {
    const row = await repo.replayDelivery(this.db, clubId, id, this.clock());
    if (!row) throw notFound('Webhook delivery', id);
    return toDelivery(row);
  }

  async replaySubscription(
    clubId: string,
    id: string,
    input: { since: string; onlyDead: boolean },
  ): Promise<{ queued: number }> {
    const sub = await repo.findSubscription(this.db, clubId, id);
    if (!sub) throw notFound('Webhook subscription', id);
    const queued = await this.db.transaction((tx) =>
      repo.replaySubscription(tx, clubId, sub, new Date(input.since), input.onlyDead, this.clock(), 10_000),
    );
    return { queued };
  }

  /** The outbox dispatcher's hook: deliveries for these events, in the dispatcher's transaction. */
  async fanOut(tx: Queryable, events: repo.FanOutEvent[]): Promise<number> {
    return repo.fanOut(tx, events, this.clock());
  }

  /**
   * Sends due deliveries until none is due or `budgetMs` has passed. Each is claimed under a lease,
   * sent once, and marked delivered only after a 2xx: a crash between the answer and that write means
   * the next worker sends it again with the same webhook-id, which receivers deduplicate.
   */
  async deliverDue(budgetMs = 20_000): Promise<{ delivered: number; failed: number; dead: number }> {
    const stats = { delivered: 0, failed: 0, dead: 0 };
    const started = Date.now();
    while (Date.now() - started < budgetMs) {
      const now = this.clock();
      const token = randomBytes(12).toString('base64url');
      const claimed = await this.db.transaction((tx) =>
        repo.claimDue(tx, now, new Date(now.getTime() + this.opts.leaseMs), this.opts.batchSize, token),
      );
      if (claimed.length === 0) break;
      await runPool(claimed, this.opts.concurrency, async (d) => {
        const outcome = await this.sendOne(d, token);
        stats[outcome]++;
      });
      if (claimed.length < this.opts.batchSize) break;
    }
    return stats;
  }

  private async sendOne(d: repo.ClaimedDelivery, token: string): Promise<'delivered' | 'failed' | 'dead'> {
    if (!d.url || !d.secret || !d.is_active || !d.payload || !d.event_created_at) {
      // The subscription was deleted or paused, or the event pruned: nothing to send any more.
      await repo.finishDelivery(this.db, {
        clubId: d.club_id,
        deliveryId: d.delivery_id,
        token,
        status: 'cancelled',
        nextAttemptAt: this.clock(),
        statusCode: null,
        responseMs: null,
        error: d.url ? 'subscription inactive' : 'subscription deleted',
        now: this.clock(),
      });
      return 'failed';
    }
    const now = this.clock();
    const body = JSON.stringify({
      type: d.event_type,
      timestamp: d.event_created_at.toISOString(),
      data: d.payload,
    });
    const secrets = [d.secret];
    if (d.previous_secret && d.previous_secret_expires_at && d.previous_secret_expires_at > now) {
      secrets.push(d.previous_secret);
    }
    const headers = signatureHeaders(secrets, d.event_id, Math.floor(Date.now() / 1000), body);
    const result = await postJson(d.url, body, headers, {
      timeoutMs: this.opts.timeoutMs,
      allowPrivate: d.allow_private_urls === true,
    });
    const after = this.clock();
    const status = result.ok ? 'delivered' : d.attempts >= this.opts.maxAttempts ? 'dead' : 'pending';
    await this.db.transaction(async (tx) => {
      await repo.insertAttempt(tx, {
        clubId: d.club_id,
        deliveryId: d.delivery_id,
        startedAt: now,
        statusCode: result.statusCode,
        responseMs: result.responseMs,
        error: result.error,
        snippet: result.responseSnippet,
      });
      await repo.finishDelivery(tx, {
        clubId: d.club_id,
        deliveryId: d.delivery_id,
        token,
        status,
        nextAttemptAt:
          status === 'pending' ? new Date(after.getTime() + backoffMs(d.attempts, this.opts)) : after,
        statusCode: result.statusCode,
        responseMs: result.responseMs,
        error: result.error,
        now: after,
      });
    });
    return status === 'delivered' ? 'delivered' : status === 'dead' ? 'dead' : 'failed';
  }
}

/** Runs `fn` over items with at most `limit` at once. */
export async function runPool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function toSubscription(row: repo.SubscriptionRow): TSubscription {
  return {
    id: row.subscription_id,
    url: row.url,
    eventTypes: row.event_types,
    description: row.description,
    isActive: row.is_active,
    secretHint: maskSecret(row.secret) ?? '',
    previousSecretExpiresAt: row.previous_secret
      ? (row.previous_secret_expires_at?.toISOString() ?? null)
      : null,
    createdAt: row.created_at.toISOString(),
  };
}

function toDelivery(row: repo.DeliveryRow): TDelivery {
  return {
    id: row.delivery_id,
    eventId: row.event_id,
    eventType: row.event_type,
    subscriptionId: row.subscription_id,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? row.next_attempt_at.toISOString() : null,
    lastStatusCode: row.last_status_code,
    lastResponseMs: row.last_response_ms,
    lastError: row.last_error,
    createdAt: row.created_at.toISOString(),
    deliveredAt: row.delivered_at?.toISOString() ?? null,
  };
}
