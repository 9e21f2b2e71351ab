// The packed package's exports, as each host's resolver sees them: every export
// condition leads bundlers (esbuild) and TypeScript to the entry and the types meant for
// it, every file they name is in the tarball, and Node imports the installed package.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as esbuild from "esbuild";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { packedProject, type PackedProject } from "./packed.ts";

// condition -> the entry it must pick (dist/<entry>.js and dist/<entry>.d.ts)
const ENTRIES: [string | undefined, string][] = [
  ["workerd", "workerd"],
  ["edge-light", "edge_light"],
  ["browser", "default"],
  ["deno", "default"],
  ["bun", "default"],
  ["node", "default"],
  [undefined, "default"], // no condition: "default"
];

let project: PackedProject;
beforeAll(() => { project = packedProject(); });

// One compiler host for every program, so the standard library is parsed once.
const parsed = new Map<string, ts.SourceFile | undefined>();
function compilerHost(options: ts.CompilerOptions): ts.CompilerHost {
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, language, ...rest) => {
    if (!parsed.has(fileName)) parsed.set(fileName, read(fileName, language, ...rest));
    return parsed.get(fileName);
  };
  return host;
}
afterAll(() => project?.remove());

/** Every file path named anywhere in an exports value. */
function named(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Object.values(value as Record<string, unknown>).flatMap(named);
}

describe("package exports", () => {
  test("every file the exports name is in the packed package", () => {
    const pkg = JSON.parse(readFileSync(join(project.pkg, "package.json"), "utf8"));
    const files = [...new Set([...named(pkg.exports), pkg.main, pkg.types])];
    expect(files).toContain("./dist/core.wasm");
    expect(files.filter((f) => !existsSync(join(project.pkg, f)))).toEqual([]);
  });

  for (const [condition, entry] of ENTRIES) {
    const label = condition ?? "(none)";

    test(`esbuild with condition ${label} bundles dist/${entry}.js`, async () => {
      const result = await esbuild.build({
        stdin: { contents: 'export * from "joinable-queue";', resolveDir: project.dir },
        bundle: true, format: "esm", platform: "neutral", write: false, metafile: true, logLevel: "silent",
        conditions: condition ? [condition] : [],
        external: ["*.wasm", "*.wasm?module"],
      });
      const entries = Object.keys(result.metafile.inputs)
        .map((f) => /node_modules\/joinable-queue\/dist\/(default|workerd|edge_light)\.js$/.exec(f)?.[1])
        .filter((e) => e !== undefined);
      expect(entries).toEqual([entry]);
    });

    test(`TypeScript with condition ${label} takes the types of dist/${entry}.d.ts and checks a user's code`, () => {
      const options: ts.CompilerOptions = {
        module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, target: ts.ScriptTarget.ES2022,
        // esnext: the types declare [Symbol.dispose] (esnext.disposable)
        lib: ["lib.esnext.d.ts", "lib.dom.d.ts"], strict: true, noEmit: true, types: [], skipDefaultLibCheck: true,
        customConditions: condition ? [condition] : [],
      };
      const consumer = join(project.dir, "consumer.ts");
      const resolved = ts.resolveModuleName("joinable-queue", consumer, options, ts.sys).resolvedModule;
      expect(resolved?.resolvedFileName).toBe(join(project.pkg, "dist", `${entry}.d.ts`));
      const program = ts.createProgram([consumer], options, compilerHost(options));
      const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      expect(problems).toEqual([]);
    });
  }

  test("TypeScript with the default libraries of target ES2022 (no esnext) checks a user's code", () => {
    // The types declare [Symbol.dispose]; they bring the esnext.disposable library with them
    // (a preserved lib reference), so a project that never asked for esnext still compiles.
    const options: ts.CompilerOptions = {
      module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, target: ts.ScriptTarget.ES2022,
      strict: true, noEmit: true, types: [], skipDefaultLibCheck: true,
    };
    const consumer = join(project.dir, "consumer.ts");
    const program = ts.createProgram([consumer], options, compilerHost(options));
    const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(problems).toEqual([]);
  });

  test("Node imports the installed package and runs a queue", () => {
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", `
      import { JoinableQueue } from "joinable-queue";
      const q = new JoinableQueue();
      q.put("from the tarball");
      console.log(q.get(), import.meta.resolve("joinable-queue"));
    `], { cwd: project.dir, encoding: "utf8" });
    expect(out.trim()).toMatch(/^from the tarball file:.*\/node_modules\/joinable-queue\/dist\/default\.js$/);
  });
});
