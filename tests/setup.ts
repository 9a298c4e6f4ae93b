/**
 * Property tests draw from a fixed seed, so that every run of the suite, in CI too, tests the
 * same cases. `FC_SEED=<n> npm test` explores other cases; fast-check prints the seed and path
 * of any failure so that it can be replayed.
 */
import fc from "fast-check";

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261127) });
