import fs from 'node:fs';
import { Presets, SingleBar } from 'cli-progress';
import { parse } from 'csv-parse';
import { createServices } from '../app.js';
import type { Db } from '../db/db.js';
import { AppError } from '../errors.js';
import { ZUpsertMember } from '../modules/members/index.js';
import { toFields } from '../modules/members/members.service.js';
import { MAX_BATCH_ORDERS, type TCreateOrder, ZCreateOrder } from '../modules/orders/index.js';

export interface ImportReport {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: Array<{ line: number; reason: string }>;
}

/** Limits: a CSV line is at most 64 KiB; a rejected-rows report keeps the first 10,000 reasons. */
const MAX_RECORD_BYTES = 64 * 1024;
const MAX_REPORTED = 10_000;
const MEMBER_BATCH = 500;

function progress(file: string): {
  bar: SingleBar | null;
  update: (bytes: number) => void;
  stop: () => void;
} {
  if (!process.stderr.isTTY) return { bar: null, update: () => {}, stop: () => {} };
  const total = fs.statSync(file).size;
  const bar = new SingleBar(
    { format: ' {bar} {percentage}% | {value}/{total} bytes | ETA {eta}s', stream: process.stderr },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return { bar, update: (b) => bar.update(Math.min(b, total)), stop: () => bar.stop() };
}

function records(file: string) {
  const stream = fs.createReadStream(file);
  const parser = stream.pipe(
    parse({
      columns: (h: string[]) => h.map((c) => c.trim()),
      bom: true,
      trim: true,
      skip_empty_lines: true,
      info: true,
      max_record_size: MAX_RECORD_BYTES,
      relax_column_count: true,
    }),
  );
  return { stream, parser };
}

function reject(report: ImportReport, line: number, reason: string): void {
  if (report.rejected.length < MAX_REPORTED) report.rejected.push({ line, reason });
}

const blank = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);
const bool = (v: string | undefined) =>
  v === undefined || v === '' ? undefined : /^(1|true|yes|y|بله)$/i.test(v);

/**
 * Imports members from a CSV with a header row (externalId, firstName, lastName, mobile, email, city,
 * province, birthDate, gender, consentSms, consentEmail). Each row is validated as the API would; a bad
 * row is reported with its line number and skipped. Rows are upserted by externalId, so running the
 * same file again changes nothing.
 */
export async function importMembers(db: Db, clubId: string, file: string): Promise<ImportReport> {
  const { members } = createServices(db, () => new Date());
  const report: ImportReport = { rows: 0, created: 0, updated: 0, unchanged: 0, rejected: [] };
  const bar = progress(file);
  const { stream, parser } = records(file);
  let batch: Array<{ line: number; externalId: string; fields: ReturnType<typeof toFields> }> = [];
  const flush = async () => {
    const rows = batch;
    batch = [];
    await db.transaction(async (tx) => {
      for (const r of rows) {
        await tx.query('savepoint row');
        try {
          const { inserted, changed } = await members.upsertIn(tx, clubId, r.externalId, r.fields);
          if (inserted) report.created++;
          else if (changed) report.updated++;
          else report.unchanged++;
          await tx.query('release savepoint row');
        } catch (err) {
          await tx.query('rollback to savepoint row');
          reject(report, r.line, err instanceof AppError ? err.message : String((err as Error).message));
        }
      }
    });
  };
  for await (const { record, info } of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
  }>) {
    report.rows++;
    bar.update(stream.bytesRead);
    const externalId = record.externalId ?? record.external_id ?? record.id;
    const candidate = {
      firstName: blank(record.firstName),
      lastName: blank(record.lastName),
      mobile: blank(record.mobile),
      email: blank(record.email),
      city: blank(record.city),
      province: blank(record.province),
      birthDate: blank(record.birthDate),
      gender: blank(record.gender),
      consentSms: bool(record.consentSms),
      consentEmail: bool(record.consentEmail),
    };
    const parsed = ZUpsertMember.safeParse(
      Object.fromEntries(Object.entries(candidate).filter(([, v]) => v !== undefined)),
    );
    if (!externalId) {
      reject(report, info.lines, 'externalId: missing');
      continue;
    }
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      reject(report, info.lines, `${issue.path.join('.')}: ${issue.message}`);
      continue;
    }
    try {
      batch.push({ line: info.lines, externalId, fields: toFields(parsed.data) });
    } catch (err) {
      reject(report, info.lines, (err as Error).message);
      continue;
    }
    if (batch.length >= MEMBER_BATCH) await flush();
  }
  if (batch.length) await flush();
  bar.stop();
  return report;
}

/**
 * Imports orders from a CSV with one row per order line: externalId, memberExternalId, placedAt, status,
 * statusAt, totalRials, promisedDeliveryAt, sku, category, quantity, unitPriceRials. Rows of one order
 * are consecutive. Orders go through the same path as POST /v1/orders/batch, so a re-run answers
 * "unchanged" for every order already imported.
 */
export async function importOrders(db: Db, clubId: string, file: string): Promise<ImportReport> {
  const { orders } = createServices(db, () => new Date());
  const report: ImportReport = { rows: 0, created: 0, updated: 0, unchanged: 0, rejected: [] };
  const bar = progress(file);
  const { stream, parser } = records(file);
  let batch: Array<{ line: number; order: TCreateOrder }> = [];
  let current: { line: number; raw: Record<string, unknown>; lines: unknown[] } | null = null;
  const flush = async () => {
    const items = batch;
    batch = [];
    if (items.length === 0) return;
    const results = await orders.createOrders(
      clubId,
      items.map((i) => i.order),
    );
    results.forEach((r, i) => {
      if (r.status === 201) report.created++;
      else if (r.status === 200) report.unchanged++;
      else
        reject(
          report,
          items[i]!.line,
          `${r.error?.field ? `${r.error.field}: ` : ''}${r.error?.detail ?? r.error?.code}`,
        );
    });
  };
  const finish = async () => {
    if (!current) return;
    const parsed = ZCreateOrder.safeParse({ ...current.raw, lines: current.lines });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      reject(report, current.line, `${issue.path.join('.')}: ${issue.message}`);
    } else {
      batch.push({ line: current.line, order: parsed.data });
      if (batch.length >= MAX_BATCH_ORDERS) await flush();
    }
    current = null;
  };
  const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));
  for await (const { record, info } of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
  }>) {
    report.rows++;
    bar.update(stream.bytesRead);
    const externalId = record.externalId ?? '';
    if (!current || current.raw.externalId !== externalId) {
      await finish();
      current = {
        line: info.lines,
        raw: Object.fromEntries(
          Object.entries({
            externalId,
            memberExternalId: blank(record.memberExternalId),
            placedAt: blank(record.placedAt),
            status: blank(record.status),
            statusAt: blank(record.statusAt),
            totalRials: num(record.totalRials),
            promisedDeliveryAt: blank(record.promisedDeliveryAt),
          }).filter(([, v]) => v !== undefined),
        ),
        lines: [],
      };
    }
    if (blank(record.sku)) {
      current.lines.push(
        Object.fromEntries(
          Object.entries({
            sku: record.sku,
            category: blank(record.category),
            quantity: num(record.quantity),
            unitPriceRials: num(record.unitPriceRials),
          }).filter(([, v]) => v !== undefined),
        ),
      );
    }
  }
  await finish();
  await flush();
  bar.stop();
  return report;
}
