// Child of bench/run.ts (FOCAL_BACKEND): the Figure 2 data of one backend,
// printed as JSON.
import "./_setup.ts";
import { figure2Sweep } from "../analysis.ts";

/** Figure 2's curves: fewer γ and a coarser grid than the incidence count. */
const data = await figure2Sweep({
  gammas: [0, 0.5, 2],
  grid: { start: -38, stop: 38, step: 0.1 },
});
console.log(JSON.stringify(data));
