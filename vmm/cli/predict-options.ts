/**
 * `toyvmm migrate --predict`: measure the guest's dirty rate over the instructions just before
 * the migration point (migration/dirty-rate.ts, as QEMU's calc-dirty-rate would before a
 * `migrate`), print the model's prediction (migration/predict.ts; with --xbzrle-cache or
 * --compress the encoded model, its bytes a page measured by the page encoder on the pages that
 * changed over the window: migration/encoding-sample.ts), and after the migration the
 * prediction beside what happened. The guest runs exactly as without --predict: the measurement
 * only watches it, so the migration and its statistics are the same.
 */
import type { Options } from "yargs";
import { UserError } from "../../isa/errors.js";
import { mulDivCeil } from "../migration/clock.js";
import { DIRTY_RATE_MODES, measureDirtyRate, PERIOD_TICKS, type DirtyRate, type DirtyRateMode } from "../migration/dirty-rate.js";
import { copyOfMemory, encodes, encodingSampleFor, type EncodingParameters, type EncodingSample } from "../migration/encoding-sample.js";
import { predictMigration, roundZeroBytes, stateBytes, type Prediction, type PredictionParameters } from "../migration/predict.js";
import type { MigratableVm } from "../migration/vm-port.js";


export const PREDICT_OPTIONS = {
  predict: {
    type: "boolean",
    describe: "Measure the guest's dirty rate just before --at and print the model's prediction (rounds, bytes, downtime, total time, whether pre-copy converges), then the result beside it",
  },
  "dirty-rate-window": {
    type: "number",
    requiresArg: true,
    describe: "With --predict: guest instructions the dirty rate is measured over, ending at --at (default: as long as sending all memory takes, or --at if less)",
  },
  "dirty-rate-mode": {
    choices: DIRTY_RATE_MODES,
    describe: "With --predict: dirty-bitmap (every page, per thousand instructions; the default) or page-sampling (QEMU's: a hash of 512 pages at both ends of the window)",
  },
} as const satisfies Record<string, Options>;

export interface PredictArgs {
  predict?: boolean;
  dirtyRateWindow?: number;
  dirtyRateMode?: DirtyRateMode;
  at: number;
}

export interface Predicted {
  dirtyRate: DirtyRate;
  prediction: Prediction | null;
  /** What the page encoder measured for the encoded model; null with plain pages. */
  encoded: EncodingSample | null;
}

/**
 * The window --predict measures over; null without --predict. By default as long as sending
 * all of memory at the bandwidth takes: round 1 is what the guest dirties during round 0, so a
 * window as long sees the pages it will dirty, its working set too.
 */
export function predictWindow(args: PredictArgs, memoryBytes: number, bandwidth: number, speed: number): number | null {
  if (!args.predict) {
    for (const [flag, given] of [["--dirty-rate-window", args.dirtyRateWindow], ["--dirty-rate-mode", args.dirtyRateMode]] as const) {
      if (given !== undefined) throw new UserError(`${flag}: goes with --predict`);
    }
    return null;
  }
  if (args.at === 0) throw new UserError("--predict: measures the dirty rate over the instructions before the migration point; give --at > 0");
  const window = args.dirtyRateWindow ?? Math.min(args.at, Math.max(PERIOD_TICKS, mulDivCeil(memoryBytes, speed, bandwidth)));
  if (!Number.isSafeInteger(window) || window < 1 || window > args.at) {
    throw new UserError(`--dirty-rate-window ${args.dirtyRateWindow}: expected a whole number of instructions from 1 to --at (${args.at})`);
  }
  return window;
}

/**
 * Runs `vm` to `at`, measuring its dirty rate over the last `window` instructions, and predicts
 * the migration that starts there; null when the guest ended before `at` (the caller says so).
 * With XBZRLE or compression the encoder's sample takes the pages that changed over the window,
 * a copy of memory at its start against memory at `at`: a window as long as round 0 (the
 * default) sees each page as old as the copy a resend's delta is made against.
 */
export function measureAndPredict(vm: MigratableVm, at: number, window: number, mode: DirtyRateMode, parameters: PredictionParameters & EncodingParameters & { speed: number }): Predicted | null {
  if (vm.run(at - window - vm.ticks).reason === "halted" || vm.ticks < at - window) return null;
  const start = parameters.strategy === "pre-copy" && encodes(parameters) ? copyOfMemory(vm.memory) : null;
  const dirtyRate = measureDirtyRate(vm, window, parameters.speed, mode);
  if (vm.ticks < at) return null;
  const strategy = parameters.strategy;
  const encoded = strategy === "post-copy" ? null : encodingSampleFor(strategy, vm.memory, () => ({ from: start!, to: vm.memory }), parameters);
  return { dirtyRate, prediction: predictMigration(roundZeroBytes(vm.memory), stateBytes(vm), dirtyRate, parameters, encoded), encoded };
}
