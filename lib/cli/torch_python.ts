// The python3 that has torch and torchvision, for the PyTorch peers and the
// fixture generators: FOCAL_PYTHON when set, else the first `python3` on
// PATH, in PATH's order, that imports both (a machine's default python3 may
// be a venv without them while the system's has Debian's python3-torchvision).

let found: Promise<string | null> | undefined;

/** Whether `python` runs and imports torch and torchvision. */
async function hasTorch(python: string): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(python, {
      args: ["-c", "import torch, torchvision"],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}

/** The interpreter's path, or null when none has torch (looked up once per process). */
export function torchPython(): Promise<string | null> {
  found ??= (async () => {
    const given = Deno.env.get("FOCAL_PYTHON");
    if (given) return await hasTorch(given) ? given : null;
    const dirs = (Deno.env.get("PATH") ?? "").split(":").filter((d) => d !== "");
    for (const candidate of [...new Set(dirs.map((d) => `${d}/python3`))]) {
      if (await hasTorch(candidate)) return candidate;
    }
    return null;
  })();
  return found;
}
