import "./tests/_backend.ts";
import { figure1Curves, figure2Sweep, probeBackendNumerics } from "./mod.ts";
console.log(JSON.stringify(await probeBackendNumerics()));
const d = await figure2Sweep({ gammas: [0, 0.5, 2] });
for (const s of d.series) console.log(s.mode, s.gamma, s.target, s.nonFinite.length);
const f = figure1Curves({ gammas: [0.5] });
console.log(f.series[0].undefinedForeground, f.series[0].undefinedBackground);
