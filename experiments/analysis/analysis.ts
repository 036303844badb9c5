// Figures 1 and 2 as an experiment (Sec. 2.2–2.4 of the paper): Figure 1's
// curves (float64), Figure 2's sweep through tfjs on each backend, each in
// a process of its own (FOCAL_BACKEND, _figure2.ts), and the sweep by
// precision (_figure2_precision.ts: emulated float16 and bfloat16, and
// webgl's half-float textures in Chromium where it is installed). Writes
// <out>/analysis/*.json with provenance, then <out>/figures/*.svg. Run by
// `deno task reproduce` as its first step, or alone with
// `deno task experiment analysis [--profile P] [--out DIR]`.
import { provenance } from "../../lib/results/provenance.ts";
import { figure1Curves } from "../../analysis.ts";
import { analysisFigures } from "./figures.ts";
import { type AnalysisProfile, FIGURE1 } from "./profiles.ts";

/** A child script of this folder, its JSON on stdout. */
async function child(script: string, env: Record<string, string>, allowAll = false) {
  const permissions = allowAll
    ? ["--allow-all"]
    : ["--allow-read", "--allow-env", "--allow-write=/tmp"];
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissions, new URL(script, import.meta.url).pathname],
    env,
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).output();
  if (!out.success) throw new Error(`${script} failed (${JSON.stringify(env)})`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/**
 * Computes the profile's analysis into `<out>/analysis` and draws its
 * figures into `<out>/figures`; returns the figures' paths. Progress on
 * stderr.
 */
export async function runAnalysis(out: string, profile: AnalysisProfile): Promise<string[]> {
  const dir = `${out}/analysis`;
  await Deno.mkdir(dir, { recursive: true });
  const write = async (name: string, data: Record<string, unknown>) =>
    await Deno.writeTextFile(
      `${dir}/${name}`,
      JSON.stringify({ provenance: await provenance(), ...data }) + "\n",
    );
  console.error("analysis: Figure 1 (float64)");
  await write("figure1.json", { ...figure1Curves(FIGURE1) });
  for (const backend of profile.backends) {
    console.error(`analysis: Figure 2 on ${backend}`);
    await write(
      `figure2_${backend}.json`,
      await child("./_figure2.ts", { FOCAL_BACKEND: backend }),
    );
  }
  console.error(
    `analysis: Figure 2 by precision (float32, float16, bfloat16; webgl in Chromium)${
      profile.quickPrecision ? ", quick" : ""
    }`,
  );
  // --allow-all: the webgl rows drive Chromium through playwright-core.
  await write(
    "figure2_precision.json",
    await child(
      "./_figure2_precision.ts",
      { ANALYSIS_QUICK: profile.quickPrecision ? "1" : "0" },
      true,
    ),
  );
  return await analysisFigures(out);
}
