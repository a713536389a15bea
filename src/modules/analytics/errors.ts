/**
 * The analytics module's error. It carries a stable code (as the house `AppError` does) so the CLI and,
 * later, an HTTP route can map it without parsing messages; the module stays free of app imports so it
 * can run stand-alone from the CLI and the benchmark.
 */
export type AnalyticsErrorCode =
  /** Thrown when the input has too few customers or no repeat purchases for a model to be identified. */
  | 'ANALYTICS_INSUFFICIENT_DATA'
  /** Thrown when an option is malformed: an unknown time unit, a holdout end before the calibration end. */
  | 'ANALYTICS_INVALID_OPTION'
  /** Thrown when an input file cannot be used at all: missing columns, no readable rows. */
  | 'ANALYTICS_INVALID_INPUT'
  /** Thrown when the likelihood cannot be evaluated at any starting point (non-finite everywhere). */
  | 'ANALYTICS_FIT_FAILED';

export class AnalyticsError extends Error {
  readonly code: AnalyticsErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: AnalyticsErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AnalyticsError';
    this.code = code;
    this.details = details;
  }
}
