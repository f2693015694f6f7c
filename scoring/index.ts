/**
 * Public surface of readiness scoring: pure definitions over aggregate inputs,
 * and the orchestration an HTTP server or the CLI calls with a Store.
 */
export { emptyInputs, inputsKey } from './inputs.js';
export type { ReadinessInputs, LatestAssessment, FlagStateRecord } from './inputs.js';
export { scoreChunk, latestChangeDays, accountsWithHistoryAhead, flagStatesOn } from './pass.js';
export type { PassChunk, ScoredChunk, SkippedAccount } from './pass.js';
export { assessmentTimeProblem } from './assess.js';
export { parseNdjsonLines } from './records-parse.js';
export type { LoadSummary, RejectedLine } from './records-parse.js';
export { noFlagSink, fanOutSink } from './flag-sink.js';
export type { FlagSink } from './flag-sink.js';

export { scoreAccount, NO_EVENTS_WARNING_DAYS } from './report.js';
export type { ReadinessReport, ReportFlag, ScoreInput, ScoreResult, Freshness } from './report.js';
export { forecast, FORECAST_HORIZON_WEEKS } from './forecast.js';
export type { ForecastItem, ForecastStatus } from './forecast.js';
export { computeMetrics, dailyAverage, ratio, olsSlope, trend, coreFeatures, peopleActivity, workflows, lookbackDays } from './metrics.js';
export type { UsageMetrics, ActiveUsers, Ratios, Trend, CoreFeatures, PeopleActivity, Workflows } from './metrics.js';
export { usageCompletion, isDeclining } from './completion.js';
export type { Completion, Criterion, CriterionName } from './completion.js';
export { usageScore } from './usage-score.js';
export { evaluateUsageFlags, evaluateOverdue } from './flag-rules.js';
export type { FlagCondition } from './flag-rules.js';
export { applyLifecycle } from './flag-lifecycle.js';
export type { OpenFlag, LifecycleResult, LifecycleContext } from './flag-lifecycle.js';
export { flagId, transitionId } from './flag-ids.js';
export { graduation, weightedScore, bandOf, READY_BAND_MIN, CLOSE_BAND_MIN, GREEN_DIMENSION_MIN } from './scorecard.js';
export type { Band, Graduation, DimensionScore, DimensionSource } from './scorecard.js';
export { explainChange } from './explain.js';
export type { Explanation, InputChange, ChangeCause, ChangeSource } from './explain.js';
export { rollupByProductType, medianOfMiddle, withTrends, trendRules } from './rollup.js';
export type { ProductTypeRollup, TrendWeek, TrendInputRow } from './rollup.js';
export { compareByRisk, reportRisk, riskOf, riskScore } from './risk.js';
export type { Risk, RiskFactor, RiskInput, RiskPart } from './risk.js';
export { productConfigHash } from './config-hash.js';
export { round } from './rounding.js';
export { rescoreGraduations } from './calibrate.js';
export type { GraduationDay, WhatIfRows } from './calibrate.js';
export { wilson, retentionOf, assembleCalibration, MINIMUMS, SWEEP_GRIDS, SWEPT_THRESHOLDS, SNAPSHOT_TOLERANCE_DAYS } from './calibration.js';
export type { CalibrationResult, Retention, ThresholdSweep, SweepCandidate, SweptThreshold, GraduationRow, CountRow } from './calibration.js';
export { reportsCsv, CSV_COLUMNS } from './export.js';
