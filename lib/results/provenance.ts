// Where a result came from: every JSON file under results/ carries this.
import { cpus } from "node:os";
import * as tf from "@tensorflow/tfjs";
import denoJson from "../../deno.json" with { type: "json" };

/** Provenance of a result file. */
export interface Provenance {
  package: string;
  packageVersion: string;
  gitCommit: string;
  /** True when the working tree had uncommitted changes. */
  gitDirty: boolean;
  tfjsVersion: string;
  deno: string;
  v8: string;
  cpu: string;
  cores: number;
  os: string;
  createdAt: string;
}

async function git(args: string[]): Promise<string | null> {
  try {
    const out = await new Deno.Command("git", { args, stderr: "null" }).output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : null;
  } catch {
    return null;
  }
}

// Deno reads /proc/cpuinfo only with --allow-all; node:os needs --allow-sys.
function cpuModel(): string {
  try {
    return cpus()[0]?.model?.trim() || "unknown";
  } catch {
    return "unknown (run with --allow-sys)";
  }
}

/**
 * Collects the provenance of a run on this machine, now. A bundle (see
 * scripts/device/) runs the code of the commit it was packed at, whatever
 * repository lies around it: FOCAL_GIT_COMMIT and FOCAL_GIT_DIRTY carry what
 * git said where it was packed, and take precedence.
 */
export async function provenance(): Promise<Provenance> {
  // Tracked files outside results/ only: a run's own output (new files, or
  // results/ JSON that an earlier step of the same run rewrote) must not count.
  const status = await git([
    "status",
    "--porcelain",
    "--untracked-files=no",
    "--",
    ".",
    ":!results",
  ]);
  const commit = await git(["rev-parse", "HEAD"]);
  const packed = Deno.env.get("FOCAL_GIT_COMMIT");
  return {
    package: denoJson.name,
    packageVersion: denoJson.version,
    gitCommit: packed ?? commit ?? "unknown",
    gitDirty: packed !== undefined
      ? Deno.env.get("FOCAL_GIT_DIRTY") !== "false"
      : status !== null && status.length > 0,
    tfjsVersion: tf.version.tfjs,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    cpu: cpuModel(),
    cores: navigator.hardwareConcurrency,
    os: `${Deno.build.os} ${Deno.build.arch}`,
    createdAt: new Date().toISOString(),
  };
}
