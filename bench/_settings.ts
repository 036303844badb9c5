// The loss settings of the benchmarks, named once: read by the benches
// (through _setup.ts) and recorded in the bench JSON by run.ts.

/** γ of every benchmark: the paper's unstable 0.5. */
export const GAMMA = 0.5;

/** α of the sigmoid benchmarks: torchvision's default, as its peer runs it. */
export const ALPHA = 0.25;
