// Runs a PyTorch peer script (bench/peers/) with the first python3 that has
// torch and torchvision, and parses the JSON object it prints.

/** The script's JSON output, or null (with a note) when no such python3 exists. */
export async function runPythonPeer(script: string, args: string[]): Promise<unknown> {
  for (const python of ["python3", "/usr/bin/python3"]) {
    try {
      const out = await new Deno.Command(python, {
        args: [script, ...args],
        stdout: "piped",
        stderr: "null",
      }).output();
      if (out.success) return JSON.parse(new TextDecoder().decode(out.stdout));
    } catch {
      // No such interpreter; try the next.
    }
  }
  console.error(
    `${script} skipped: no python3 with torch and torchvision (apt-get install python3-torchvision)`,
  );
  return null;
}
