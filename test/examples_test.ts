// The README's example and the demo are programs this suite runs, in this same runtime,
// so what the README shows is what the tests prove.
import { describe, expect, test } from "vitest";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import process from "node:process";
import { runtime } from "./harness.ts";

const root = new URL("../", import.meta.url);

/** Runs an example file with this runtime; resolves with its exit code and output.
 * Deno gets only --allow-read, which it needs to start a worker from a local file. */
function runExample(
  file: string, args: string[] = [], denoFlags = ["--allow-read=."],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const path = new URL(file, root).pathname;
  const argv = runtime === "deno" ? ["run", ...denoFlags, path, ...args] : [path, ...args];
  return new Promise((resolve) => {
    execFile(process.execPath, argv, { cwd: root.pathname, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe("examples", () => {
  test("importing and using the package needs no flags and no permissions", async () => {
    const { code, stdout, stderr } = await runExample("test/fixtures/single_thread.mjs", [], ["--no-prompt"]);
    expect(stderr).toBe("");
    expect(stdout).toBe('[{"n":1},{"n":2},true]\n');
    expect(code).toBe(0);
  });

  test("the README's example is examples/quickstart.mjs, verbatim", () => {
    const readme = readFileSync(new URL("README.md", root), "utf8");
    for (const file of ["examples/quickstart.mjs", "examples/quickstart_worker.mjs"]) {
      const block = new RegExp(`<!-- ${file} -->\\s*\`\`\`js\\n([\\s\\S]*?)\`\`\``).exec(readme)?.[1];
      expect(block).toBe(readFileSync(new URL(file, root), "utf8"));
    }
  });

  test("examples/quickstart.mjs runs to the end", async () => {
    const { code, stdout, stderr } = await runExample("examples/quickstart.mjs");
    expect(stderr).toBe("");
    expect(stdout).toBe("all tasks done by 2 workers\n");
    expect(code).toBe(0);
  });

  test("examples/demo.mjs moves every task exactly once and reports items/s", async () => {
    const { code, stdout, stderr } = await runExample("examples/demo.mjs", ["20000", "2"]);
    expect(stdout).toMatch(/^ok: 20000 tasks by 2 workers in [\d.]+ s: [\d,]+ items\/s \(done 20000, checksum matches\)\n$/);
    expect(stderr).toContain("progress: 20000/20000 tasks done (100%)");
    expect(code).toBe(0);
  });

  test("examples/demo.mjs rejects a bad argument with a clear message", async () => {
    const { code, stderr } = await runExample("examples/demo.mjs", ["many"]);
    expect(stderr).toContain('tasks must be a positive integer; received "many"');
    expect(code).toBe(2);
  });
});
