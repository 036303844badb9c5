// Runs a PyTorch peer script (bench/peers/) with the first python3 that has
// torch and torchvision (lib/cli/torch_python.ts), and parses the JSON object it prints.
import { torchPython } from "../lib/cli/torch_python.ts";

/** The script's JSON output, or null (with a note) when no such python3 exists. */
export async function runPythonPeer(script: string, args: string[]): Promise<unknown> {
  const python = await torchPython();
  if (python !== null) {
    const out = await new Deno.Command(python, {
      args: [script, ...args],
      stdout: "piped",
      stderr: "null",
    }).output();
    if (out.success) return JSON.parse(new TextDecoder().decode(out.stdout));
  }
  console.error(
    `${script} skipped: no python3 with torch and torchvision on PATH or in FOCAL_PYTHON ` +
      "(apt-get install python3-torchvision)",
  );
  return null;
}
