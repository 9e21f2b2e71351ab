// The Vercel Edge Runtime (npm `edge-runtime`, the sandbox `vercel dev` runs edge
// functions in), with code generation refused as in production: an edge function bundled
// as Vercel bundles one ("edge-light" condition; `.wasm?module` imports compiled by the
// host and handed in as globals) runs producer and consumer tasks in one isolate, and one
// request waits on a queue that another request fills.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as esbuild from "esbuild";
import { EdgeRuntime } from "edge-runtime";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { packedProject, type PackedProject } from "./packed.ts";
import { checkPool, type PoolResult } from "./pool_check.ts";

/**
 * Vercel's edge wasm plugin (@vercel/node): an import of `x.wasm?module` becomes
 * `globalThis["wasm_<sha1>"]`, and the host compiles x.wasm (in its own realm) into
 * that global of the sandbox.
 */
function vercelWasm(bindings: Map<string, string>): esbuild.Plugin {
  return {
    name: "vercel-wasm",
    setup(build) {
      build.onResolve({ filter: /\.wasm\?module$/ }, async (args) => {
        const found = await build.resolve(args.path.replace(/\?module$/, ""), { importer: args.importer, resolveDir: args.resolveDir, kind: args.kind });
        if (found.errors.length > 0) return { errors: found.errors };
        const name = `wasm_${createHash("sha1").update(readFileSync(found.path)).digest("hex")}`;
        bindings.set(name, found.path);
        return { path: name, namespace: "vercel-wasm" };
      });
      build.onLoad({ filter: /.*/, namespace: "vercel-wasm" }, (args) => ({
        loader: "js", contents: `export default globalThis[${JSON.stringify(args.path)}];`,
      }));
    },
  };
}

interface EdgeFunction {
  runtime: EdgeRuntime;
  inputs: string[];
  get<T>(path: string): Promise<T>;
}

/** Bundles `entry` of the packed project with `conditions` and loads it in a new sandbox. */
async function edgeFunction(project: PackedProject, entry: string, conditions: string[]): Promise<EdgeFunction> {
  const bindings = new Map<string, string>();
  const result = await esbuild.build({
    entryPoints: [join(project.dir, entry)],
    bundle: true,
    format: "iife",
    platform: "neutral",
    target: "es2022",
    conditions,
    mainFields: ["module", "main"],
    plugins: [vercelWasm(bindings)],
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const wasm: Record<string, WebAssembly.Module> = {};
  for (const [name, file] of bindings) wasm[name] = await WebAssembly.compile(readFileSync(file));
  // As in production: no eval, no new Function, no WebAssembly compiled from bytes.
  const runtime = new EdgeRuntime({
    codeGeneration: { strings: false, wasm: false },
    extend: (context) => Object.assign(context, wasm),
  });
  runtime.evaluate(result.outputFiles[0].text);
  return {
    runtime,
    inputs: Object.keys(result.metafile.inputs),
    async get<T>(path: string): Promise<T> {
      const response = await runtime.dispatchFetch(`http://edge.test${path}`, { signal: AbortSignal.timeout(30_000) });
      const text = await response.text();
      if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${text}`);
      return JSON.parse(text) as T;
    },
  };
}

// The conditions Next.js resolves edge code with (edge-light first).
const EDGE_CONDITIONS = ["edge-light", "worker", "browser", "module", "import", "node"];

let project: PackedProject;
let edge: EdgeFunction;

beforeAll(async () => {
  project = packedProject();
  edge = await edgeFunction(project, "edge_function.js", EDGE_CONDITIONS);
}, 60_000);

afterAll(() => project?.remove());

describe("Vercel Edge Runtime", () => {
  test("the edge-light condition picks dist/edge_light.js, which imports core.wasm?module", () => {
    expect(edge.inputs.some((f) => f.endsWith("node_modules/joinable-queue/dist/edge_light.js"))).toBe(true);
    expect(edge.inputs.some((f) => f.endsWith("core_wasm.js"))).toBe(false);
  });

  test("the host is the Edge Runtime: it refuses to compile from bytes; the imported core works", async () => {
    const host = await edge.get<{ edgeRuntime: string; coreExports: number; compileFromBytes: string }>("/host");
    expect(host.edgeRuntime).toBe("edge-runtime");
    expect(host.coreExports).toBeGreaterThan(10);
    expect(host.compileFromBytes).toMatch(/disallowed/);
  });

  test("producer and consumer tasks in one isolate: every item once, in order; joinAsync() waits for all", async () => {
    checkPool(await edge.get<PoolResult>("/pool?producers=3&consumers=4&items=500"), 3, 500);
  });

  test("blocking calls throw TypeError naming the async method; handle says there are no threads", async () => {
    const limits = await edge.get<Record<string, any>>("/limits");
    expect(limits.handle).toMatchObject({ threw: true, type: "TypeError" });
    expect(limits.handle.message).toMatch(/cannot be shared.*Vercel Edge Runtime.*one thread/);
    for (const [call, asyncName] of [["get", "getAsync()"], ["getTimeout", "getAsync()"], ["put", "putAsync()"], ["join", "joinAsync()"], ["iterate", "getAsync()"]]) {
      expect(limits[call]).toMatchObject({ threw: true, type: "TypeError" });
      expect(limits[call].message).toContain(`use ${asyncName} instead`);
    }
    expect(limits).toMatchObject({
      getNowait: "a", emptyAfterTimeout: "Empty", aborted: { threw: true, reason: "stop" },
      pendingGot: "b", qsizeAtEnd: 0, shutDownGet: "ShutDown",
    });
  });

  test("a lock found held throws Corrupted at once: no other thread could release it", async () => {
    const stuck = await edge.get<{ threw: boolean; name: string; message: string }>("/stuck");
    expect(stuck).toMatchObject({ threw: true, name: "Corrupted" });
    expect(stuck.message).toContain("no other thread");
  });

  test("a request waits in getAsync() for the item another request puts", async () => {
    const taking = edge.get<{ item: string; startedEmpty: boolean }>("/take");
    for (let tries = 0; (await edge.get<{ takersWaiting: number }>("/waiting")).takersWaiting === 0; tries++) {
      if (tries > 300) throw new Error("the /take request never started waiting");
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await edge.get("/give?item=from-another-request")).toEqual({ given: true });
    expect(await taking).toEqual({ item: "from-another-request", startedEmpty: true });
  });

  test("the README's Cloudflare example (examples/cloudflare_worker.mjs) runs here too", async () => {
    const words = ["queue", "edge", "worker"];
    const expected = Object.fromEntries(words.map((w) => [w, createHash("sha256").update(w).digest("hex").slice(0, 8)]));
    expect(await edge.get(`/example?${words.map((w) => `word=${w}`).join("&")}`)).toEqual(expected);
  });

  test("where no condition fits, the default entry says how to supply the core, and options.module works", async () => {
    const own = await edgeFunction(project, "edge_own_module.js", []);
    expect(own.inputs.some((f) => f.endsWith("node_modules/joinable-queue/dist/default.js"))).toBe(true);
    const out = await own.get<{ withoutModule: { name: string; message: string }; got: string; joined: boolean }>("/");
    expect(out.withoutModule.name).toBe("CompileError");
    expect(out.withoutModule.message).toContain("refuses to compile WebAssembly from bytes");
    expect(out.withoutModule.message).toContain('"edge-light"');
    expect(out.withoutModule.message).toContain("options.module");
    expect(out).toMatchObject({ got: "own module", joined: true });
  });
});
