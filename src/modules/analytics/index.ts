/**
 * The analytics module's public face: transaction summaries, the BG/NBD, Pareto/NBD and Gamma-Gamma
 * models, predictions and CLV, RFM scores and segments. Everything here is pure computation over
 * typed arrays; it reads no database, so the service layer, the CLI and the benchmark share it.
 */
export { registerAnalyticsCommands } from './analytics.cli.js';
export {
  BG_NBD_NAMES,
  type BgNbdFit,
  type BgNbdParams,
  bgNbdExpectedPurchases,
  bgNbdLogLikelihood,
  bgNbdProbabilityAlive,
  fitBgNbd,
} from './bg-nbd.js';
export { AnalyticsError, type AnalyticsErrorCode } from './errors.js';
export {
  fitGammaGamma,
  GAMMA_GAMMA_NAMES,
  type GammaGammaFit,
  type GammaGammaParams,
  gammaGammaExpectedSpend,
  type SpendData,
} from './gamma-gamma.js';
export type { ModelFit, ModelName } from './model-fit.js';
export {
  fitParetoNbd,
  PARETO_NBD_NAMES,
  type ParetoNbdFit,
  type ParetoNbdParams,
  paretoNbdExpectedPurchases,
  paretoNbdLogLikelihood,
  paretoNbdProbabilityAlive,
} from './pareto-nbd.js';
export {
  type CustomerPredictions,
  DAYS_PER_MONTH,
  type HoldoutRow,
  type HoldoutValidation,
  monthsToUnits,
  type PredictionInput,
  type PredictionOptions,
  type PurchaseModelFit,
  predictCustomers,
  validateHoldout,
} from './predict.js';
export type { PurchaseData } from './purchase-data.js';
export {
  type RfmInput,
  type RfmScores,
  rfmInputFromSummary,
  SEGMENTS,
  type SegmentName,
  type SegmentRow,
  scoreByRank,
  scoreRfm,
  segmentOf,
  summariseSegments,
} from './rfm.js';
export { type CustomerSummary, type SummaryOptions, summarise, type TimeUnit } from './summary.js';
export {
  parseDay,
  type TransactionLog,
  TransactionLogBuilder,
  type TransactionRecord,
  transactionLogFromRecords,
} from './transactions.js';
export {
  type BadRow,
  type CsvReadOptions,
  type CsvReadResult,
  readTransactionsCsv,
} from './transactions-csv.js';
