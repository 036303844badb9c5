// Child of experiments/analysis/analysis.ts (FOCAL_BACKEND): the Figure 2
// data of one backend, printed as JSON.
import { parseBackend, useBackend } from "../../lib/backends/use_backend.ts";
import { figure2Sweep } from "../../analysis.ts";
import { FIGURE2 } from "./profiles.ts";

await useBackend(parseBackend(Deno.env.get("FOCAL_BACKEND") ?? "cpu"));
console.log(JSON.stringify(await figure2Sweep(FIGURE2)));
