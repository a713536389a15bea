/**
 * The three survey scores, as the issue (and the industry) defines them. A skipped answer (null) is
 * not a response to that question: it counts in neither the numerator nor the denominator, so a
 * member who skips the score question cannot drag a score towards zero.
 */
export type TSurveyKind = 'nps' | 'csat' | 'ces';

export const SCALES: Record<TSurveyKind, { min: number; max: number }> = {
  nps: { min: 0, max: 10 },
  csat: { min: 1, max: 5 },
  ces: { min: 1, max: 7 },
};

export interface ScoreSummary {
  /** Answers with a score (skips excluded). */
  responses: number;
  /** NPS: %promoters − %detractors (−100..100); CSAT: % of 4-5; CES: % of 5-7. Null with no responses. */
  score: number | null;
  /** Arithmetic mean of the scores (CES reports it beside the share). */
  mean: number | null;
  /** NPS only: counts of promoters (9-10), passives (7-8) and detractors (0-6). */
  promoters?: number;
  passives?: number;
  detractors?: number;
  /** CSAT and CES: count of answers in the "good" band (CSAT 4-5, CES 5-7). */
  satisfied?: number;
}

/** Rounds to one decimal, the precision reports show. */
const round1 = (x: number) => Math.round(x * 10) / 10;

/** Summarises a histogram of scores (score → count); counts of out-of-scale scores are ignored. */
export function summarise(kind: TSurveyKind, histogram: ReadonlyMap<number, number>): ScoreSummary {
  const { min, max } = SCALES[kind];
  let n = 0;
  let sum = 0;
  let hi = 0;
  let lo = 0;
  for (const [score, count] of histogram) {
    if (score < min || score > max || !Number.isInteger(score)) continue;
    n += count;
    sum += score * count;
    if (kind === 'nps') {
      if (score >= 9) hi += count;
      else if (score <= 6) lo += count;
    } else if (kind === 'csat' ? score >= 4 : score >= 5) hi += count;
  }
  if (n === 0) {
    return kind === 'nps'
      ? { responses: 0, score: null, mean: null, promoters: 0, passives: 0, detractors: 0 }
      : { responses: 0, score: null, mean: null, satisfied: 0 };
  }
  const mean = round1(sum / n);
  if (kind === 'nps') {
    return {
      responses: n,
      score: round1(((hi - lo) / n) * 100),
      mean,
      promoters: hi,
      passives: n - hi - lo,
      detractors: lo,
    };
  }
  return { responses: n, score: round1((hi / n) * 100), mean, satisfied: hi };
}

/** Whether an answer should open a follow-up complaint: an NPS detractor or a CES of 1-2. */
export function needsFollowUp(kind: TSurveyKind, score: number | null): boolean {
  if (score === null) return false;
  if (kind === 'nps') return score <= 6;
  if (kind === 'ces') return score <= 2;
  return false;
}
