import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { parseDay, type TransactionLog, TransactionLogBuilder } from './transactions.js';

/**
 * The shared reference data sits beside the repository (`../shared/data`). A clone elsewhere (CI may
 * clone into a temporary directory) finds it through VAFA_SHARED_DATA or the workplace's fixed
 * location. The repository root is found from this file's location, not the working directory. A
 * missing directory fails loudly: a skipped correctness test would pass in silence.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const candidates = [
  process.env.VAFA_SHARED_DATA,
  path.resolve(repoRoot, '../shared/data'),
  '/work/shared/data',
].filter((c): c is string => Boolean(c));
export const sharedDataDir = candidates.find((c) => existsSync(path.join(c, 'cdnow'))) ?? candidates[0]!;

export function dataFile(...parts: string[]): string {
  const file = path.join(sharedDataDir, ...parts);
  if (!existsSync(file)) {
    throw new Error(
      `reference data file ${file} is missing; the analytics tests need ../shared/data beside the repo (or VAFA_SHARED_DATA)`,
    );
  }
  return file;
}

export function readDataFile(...parts: string[]): string {
  return readFileSync(dataFile(...parts), 'utf8');
}

/** Parses a reference CSV into header-keyed rows. */
export function readCsvRows(...parts: string[]): Record<string, string>[] {
  return parse(readDataFile(...parts), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
}

/** The CDNOW 1/10 sample as a transaction log keyed by the sample id (1..2357). */
export function readCdnowSample(): TransactionLog {
  const builder = new TransactionLogBuilder();
  for (const line of readDataFile('cdnow', 'CDNOW_sample.txt').split(/\r?\n/)) {
    const cells = line.trim().split(/\s+/);
    if (cells.length < 5) continue;
    const day = parseDay(cells[2]!);
    if (day === null) throw new Error(`bad CDNOW date in line: ${line}`);
    builder.add(String(Number(cells[1])), day, Number(cells[4]));
  }
  return builder.build();
}
