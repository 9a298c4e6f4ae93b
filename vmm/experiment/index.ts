/** Scripted migration experiments: the library behind `toyvmm experiment`. */
export { AXES, axis, MACHINES, type AxisDef, type AxisValue } from "./axes.js";
export { checkAfterMigration } from "./check.js";
export { bootGuest, bootProblem, loadGuest, type BootProblem, type BootRequest, type LoadedGuest, type MachineKind } from "./guest.js";
export { guestLabels } from "./labels.js";
export { mergeShards } from "./merge.js";
export { ResultsDir, type ClaimOptions } from "./out-dir.js";
export { planExperiment, type ExperimentPlan } from "./plan.js";
export { parsePlotRequest, type PlotRequest } from "./plot-request.js";
export { defaultPlots, metricPlot, modelPlot, plotsFor, roundsPlot, type PlotContext, type PlotSpec } from "./plots.js";
export { outsideModel, predict, probeDirtyRate, roundZeroBytes } from "./probe.js";
export { renderSvg } from "./render.js";
export { METRICS, RESULT_COLUMNS, type PointResult, type Row } from "./row.js";
export { defaultJobs, runPlanParallel, type ParallelOptions } from "./pool.js";
export { runExperiment, runPlan, type ExperimentProgress, type RunOptions } from "./run.js";
export { parseShard, shardPoints, type Shard } from "./shard.js";
export { parseAxisValues, parseSpec, readSpecFile, type ExperimentSpec, type SweepAxis } from "./spec.js";
export { bootArgs, expandSweep, MAX_POINTS, pointCount, varyingAxes, type Point } from "./sweep.js";
export { csvHeader, csvLine, toCsv, toJson, toTable } from "./writers.js";
