// Test harness for the shared runner: one experiment with a test's own
// profile, on the backend the suite runs on (tests/_backend.ts).
import { BACKEND } from "./_backend.ts";
import type { Experiment, ProfileBase } from "../experiments/_experiment.ts";
import { runExperiment } from "../experiments/_runner.ts";
import { type Settings, settingsOf } from "../experiments/_settings.ts";
import type { RunRecord } from "../lib/results/run_records.ts";

/** Settings on the suite's backend, `overrides` over one process, seed 0, shard 1/1. */
export function testSettings(overrides: Partial<Settings> & Pick<Settings, "out">): Settings {
  return settingsOf({
    backend: { name: BACKEND, reason: "requested", adapter: null, adapterInfo: null },
    ...overrides,
  });
}

/**
 * `experiment` with `profile` in place of its registered profile of that
 * name. The runner's workers receive the profile itself, so they train it
 * too.
 */
export function withProfile<P extends ProfileBase, C>(
  experiment: Experiment<P, C>,
  profile: P,
): Experiment<P, C> {
  return { ...experiment, profiles: { ...experiment.profiles, [profile.name]: profile } };
}

/** Runs `experiment` with a test's own `profile` under `overrides`' settings. */
export function runWith<P extends ProfileBase, C>(
  experiment: Experiment<P, C>,
  profile: P,
  overrides: Omit<Partial<Settings>, "profile"> & Pick<Settings, "out">,
): Promise<RunRecord[]> {
  return runExperiment(
    withProfile(experiment, profile),
    testSettings({ ...overrides, profile: profile.name }),
  );
}
