/** Scripted migration experiments: the library behind `toyvmm experiment`. */
export { AXES, axis, MACHINES, parseSize, type AxisDef, type AxisValue } from "./axes.js";
export { checkAfterMigration } from "./check.js";
export { bootGuest, loadGuest, type LoadedGuest, type MachineKind } from "./guest.js";
export { parsePlotRequest, type PlotRequest } from "./plot-request.js";
export { defaultPlots, metricPlot, modelPlot, plotsFor, roundsPlot, type PlotSpec } from "./plots.js";
export { outsideModel, predict, probeDirtyRate, roundZeroBytes } from "./probe.js";
export { renderSvg } from "./render.js";
export { METRICS, RESULT_COLUMNS, type PointResult, type Row } from "./row.js";
export { runExperiment, type ExperimentProgress, type RunOptions } from "./run.js";
export { parseAxisValues, parseSpec, readSpecFile, type ExperimentSpec, type SweepAxis } from "./spec.js";
export { bootArgs, expandSweep, varyingAxes, type Point } from "./sweep.js";
export { toCsv, toJson, toTable } from "./writers.js";
