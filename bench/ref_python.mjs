// Runs the Python reference (ref_python.py) with python3, if there is one, and reads its
// JSON line. Works in Node, Deno (--allow-run=python3) and Bun through node:child_process.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("./ref_python.py", import.meta.url));

/**
 * Resolves with { skipped } when python3 cannot be started, else with { python, rates,
 * problems } (problems: what the run's checks found wrong, or that it failed or hung).
 */
export function runPython({ count, runs, warmups, timeoutMs }) {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn("python3", [script, String(count), String(runs), String(warmups)], { stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      // Deno throws here when --allow-run does not name python3.
      return resolve({ skipped: `python3 could not be started (${e.name}: ${e.message})` });
    }
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => { out += d; });
    child.stderr.on("data", (d) => { err += d; });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs * (runs + warmups));
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve(e.code === "ENOENT" ? { skipped: "python3 not found" } : { skipped: `python3 could not be started (${e.message})` });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      // After "error", this resolve is a no-op: a promise settles once.
      try {
        if (code !== 0) throw new Error(`python3 exited with ${signal ?? `code ${code}`}: ${err.trim().split("\n").pop() ?? ""}`);
        resolve(JSON.parse(out.trim().split("\n").pop()));
      } catch (e) {
        resolve({ python: "python3", rates: [], problems: [e.message] });
      }
    });
  });
}
