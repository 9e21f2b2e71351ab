// workerd (Cloudflare Workers' runtime, npm `workerd`): a module worker bundled as wrangler
// bundles one (esbuild with the "workerd" condition; core.wasm uploaded as a CompiledWasm
// module) runs producer and consumer tasks in one isolate, and one request waits on a
// queue that another request fills.
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { exampleText, packedProject, type PackedProject, readmeBlock } from "./packed.ts";
import { checkPool } from "./pool_check.ts";

const workerdBin = fileURLToPath(new URL("../../node_modules/.bin/workerd", import.meta.url));

/**
 * Wrangler's default module rule: `*.wasm` and `*.wasm?module` imports become separate
 * CompiledWasm modules named `<sha1>-<file>`, and the bundle imports them by that name.
 */
function compiledWasmModules(found: Map<string, string>): esbuild.Plugin {
  return {
    name: "compiled-wasm",
    setup(build) {
      build.onResolve({ filter: /\.wasm(\?module)?$/ }, (args) => {
        const file = resolve(args.resolveDir, args.path.replace(/\?module$/, ""));
        const name = `${createHash("sha1").update(readFileSync(file)).digest("hex")}-${basename(file)}`;
        found.set(name, file);
        return { path: `./${name}`, external: true };
      });
    },
  };
}

function capnpConfig(wasmNames: string[]): string {
  const modules = [
    `(name = "worker.js", esModule = embed "worker.js")`,
    ...wasmNames.map((name) => `(name = ${JSON.stringify(name)}, wasm = embed ${JSON.stringify(name)})`),
  ];
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ ${modules.join(", ")} ],
  compatibilityDate = "2025-06-01",
);
`;
}

let project: PackedProject;
let workerd: ChildProcess | undefined;
let base = "";
let bundleInputs: string[] = [];
let log = "";

beforeAll(async () => {
  project = packedProject();
  const wasm = new Map<string, string>();
  const result = await esbuild.build({
    entryPoints: [join(project.dir, "workerd_worker.js")],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"], // wrangler's
    mainFields: ["module", "main"],
    plugins: [compiledWasmModules(wasm)],
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  bundleInputs = Object.keys(result.metafile.inputs);
  writeFileSync(join(project.dir, "worker.js"), result.outputFiles[0].contents);
  for (const [name, file] of wasm) writeFileSync(join(project.dir, name), readFileSync(file));
  writeFileSync(join(project.dir, "config.capnp"), capnpConfig([...wasm.keys()]));

  // --control-fd reports the port workerd bound (the config asks for any free one).
  const child = spawn(workerdBin, ["serve", "config.capnp", "--control-fd=3"], {
    cwd: project.dir, stdio: ["ignore", "pipe", "pipe", "pipe"],
  });
  workerd = child;
  child.stdout!.on("data", (d) => { log += d; });
  child.stderr!.on("data", (d) => { log += d; });
  const port = await new Promise<number>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`workerd did not listen within 30 s:\n${log}`)), 30_000);
    child.on("exit", (code) => fail(new Error(`workerd exited (code ${code}):\n${log}`)));
    child.stdio[3]!.on("data", (d) => {
      const m = /"port":(\d+)/.exec(String(d));
      if (m) { clearTimeout(timer); ok(Number(m[1])); }
    });
  });
  base = `http://127.0.0.1:${port}`;
}, 60_000);

afterAll(async () => {
  // SIGTERM makes workerd drain its requests first; a request a failed test left hanging
  // would keep it alive for good, so SIGKILL follows if it has not gone within 2 s.
  const child = workerd;
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 2000);
    await exited;
    clearTimeout(timer);
  }
  project?.remove();
});

/** A request to the worker; a hung one fails after 30 s instead of stalling the run. */
async function get<T>(path: string): Promise<T> {
  const response = await fetch(base + path, { signal: AbortSignal.timeout(30_000) });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${text}\nworkerd log:\n${log}`);
  return JSON.parse(text) as T;
}

describe("workerd", () => {
  test("the workerd condition picks dist/workerd.js, which imports core.wasm as a module", () => {
    expect(bundleInputs.some((f) => f.endsWith("node_modules/joinable-queue/dist/workerd.js"))).toBe(true);
    // the embedded bytes (the default entry) are not in the bundle
    expect(bundleInputs.some((f) => f.endsWith("core_wasm.js"))).toBe(false);
  });

  test("the host is workerd: it refuses to compile from bytes; the imported core is a Module", async () => {
    const host = await get<{ userAgent: string; coreIsModule: boolean; compileFromBytes: string }>("/host");
    expect(host.userAgent).toBe("Cloudflare-Workers");
    expect(host.coreIsModule).toBe(true);
    expect(host.compileFromBytes).toMatch(/disallowed/);
  });

  test("producer and consumer tasks in one isolate: every item once, in order; joinAsync() waits for all", async () => {
    const result = await get<Parameters<typeof checkPool>[0]>("/pool?producers=3&consumers=4&items=500");
    checkPool(result, 3, 500);
  });

  test("blocking calls throw TypeError naming the async method; handle says there are no threads", async () => {
    const limits = await get<Record<string, any>>("/limits");
    expect(limits.handle).toMatchObject({ threw: true, type: "TypeError" });
    expect(limits.handle.message).toMatch(/cannot be shared.*workerd.*one thread/);
    for (const [call, asyncName] of [["get", "getAsync()"], ["getTimeout", "getAsync()"], ["put", "putAsync()"], ["join", "joinAsync()"], ["iterate", "getAsync()"]]) {
      expect(limits[call], call).toMatchObject({ threw: true, type: "TypeError" });
      expect(limits[call].message, call).toContain(`use ${asyncName} instead`);
    }
    expect(limits).toMatchObject({
      getNowait: "a", emptyAfterTimeout: "Empty", aborted: { threw: true, reason: "stop" },
      pendingGot: "b", qsizeAtEnd: 0, shutDownGet: "ShutDown",
    });
  });

  test("a lock found held throws Corrupted at once: no other thread could release it", async () => {
    const stuck = await get<{ threw: boolean; name: string; message: string }>("/stuck");
    expect(stuck).toMatchObject({ threw: true, name: "Corrupted" });
    expect(stuck.message).toContain("no other thread");
  });

  test("a request waits in getAsync() for the item another request puts", async () => {
    const taking = get<{ item?: string; startedEmpty?: boolean; error?: string }>("/take");
    for (let tries = 0; (await get<{ takersWaiting: number }>("/waiting")).takersWaiting === 0; tries++) {
      if (tries > 300) throw new Error("the /take request never started waiting");
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await get("/give?item=from-another-request")).toEqual({ given: true });
    expect(await taking).toEqual({ item: "from-another-request", startedEmpty: true });
  });

  test("the README's Cloudflare example (examples/cloudflare_worker.mjs, verbatim) answers a request", async () => {
    expect(readmeBlock("cloudflare_worker.mjs")).toBe(exampleText("cloudflare_worker.mjs"));
    const words = ["queue", "edge", "worker"];
    const expected = Object.fromEntries(words.map((w) => [w, createHash("sha256").update(w).digest("hex").slice(0, 8)]));
    expect(await get(`/example?${words.map((w) => `word=${w}`).join("&")}`)).toEqual(expected);
  });

  test("a request's getAsync() with a timeout ends with Empty when no request puts", async () => {
    expect(await get("/take?timeout=50")).toEqual({ error: "Empty" });
  });
});
