// Mesa's software WebGPU adapter warns "XDG_RUNTIME_DIR is invalid or not set"
// unless the variable names a private (0700) directory. Give the process one
// before any backend asks for an adapter; this module is imported first.
if (!Deno.env.get("XDG_RUNTIME_DIR")) {
  const dir = await Deno.makeTempDir({ prefix: "focal-xdg-" });
  await Deno.chmod(dir, 0o700);
  Deno.env.set("XDG_RUNTIME_DIR", dir);
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // Already gone.
    }
  });
}
