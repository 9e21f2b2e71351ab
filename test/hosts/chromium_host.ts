// Chromium (Debian's `chromium`, driven by playwright-core): pages served on 127.0.0.1,
// bundled as a browser bundler would (esbuild, "browser" condition). With COOP/COEP the
// page is cross-origin isolated: two Web Workers block in get() while the main thread
// puts with putAsync() and waits with joinAsync(). Without them the queue works in the
// page's one thread and sharing it fails with an error naming the headers.
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import * as esbuild from "esbuild";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { exampleText, packedProject, type PackedProject, readmeBlock } from "./packed.ts";
import { checkPool } from "./pool_check.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

// Chromium must reach nothing but the test server: the machine has no internet, and its
// background services would stall on connections the network refuses.
const CHROMIUM_ARGS = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

const ISOLATION_HEADERS = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

const pageHtml = (script: string) => `<!doctype html><meta charset="utf-8"><script type="module" src="./${script}"></script>\n`;

let project: PackedProject;
let server: Server;
let browser: Browser;
let origin = "";
let inputs: string[] = [];

async function bundle(entry: string): Promise<string> {
  const result = await esbuild.build({
    entryPoints: [join(project.dir, entry)],
    bundle: true,
    format: "esm",
    platform: "browser", // resolves with the "browser" condition
    target: "es2022",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  inputs.push(...Object.keys(result.metafile.inputs));
  return result.outputFiles[0].text;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: install it ` +
      "(Debian/Ubuntu: apt-get install -y chromium) or set CHROMIUM_PATH to its binary");
  }
  project = packedProject();
  // /isolated/ is served with COOP/COEP on every response, /plain/ with neither.
  const files: Record<string, string> = {
    "/isolated/": pageHtml("page.js"),
    "/isolated/page.js": await bundle("browser_page.js"),
    "/isolated/worker.js": await bundle("browser_worker.js"),
    "/plain/": pageHtml("page.js"),
    "/plain/page.js": await bundle("browser_alone.js"),
    "/isolated/example/": pageHtml("browser_main.mjs"),
    "/isolated/example/browser_main.mjs": await bundle("examples/browser_main.mjs"),
    "/isolated/example/browser_worker.mjs": await bundle("examples/browser_worker.mjs"),
  };
  server = createServer((request, response) => {
    const body = files[request.url ?? ""];
    if (body === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, {
      "Content-Type": request.url!.endsWith("/") ? "text/html" : "text/javascript",
      "Cache-Control": "no-store",
      ...(request.url!.startsWith("/isolated/") ? ISOLATION_HEADERS : {}),
    });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  origin = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server ? server.close(resolve) : resolve(undefined));
  project?.remove();
});

/** Opens `path` and returns the page's window.result once it is set. */
async function pageResult<T>(path: string): Promise<T> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
  try {
    await page.goto(origin + path);
    const handle = await page.waitForFunction(() => (window as { result?: unknown }).result, null, { timeout: 30_000 })
      .catch((e: Error) => { throw new Error(`${path}: no result (${e.message})\n${problems.join("\n")}`); });
    const result = await handle.jsonValue() as T & { error?: string };
    if (result.error) throw new Error(`${path}: ${result.error}\n${problems.join("\n")}`);
    return result;
  } finally {
    await page.close();
  }
}

interface IsolatedResult {
  crossOriginIsolated: boolean;
  mainGet: { threw: boolean; type: string; message: string };
  mainJoin: { threw: boolean; type: string; message: string };
  joined: boolean;
  unfinished: number;
  items: number;
  workers: { id: number; got: number[]; firstWaitMs?: number }[];
}

describe("Chromium", () => {
  test("the browser condition bundles the default entry (the core compiled from embedded bytes)", () => {
    expect(inputs.some((f) => f.endsWith("node_modules/joinable-queue/dist/default.js"))).toBe(true);
    expect(inputs.some((f) => f.endsWith("node_modules/joinable-queue/dist/core_wasm.js"))).toBe(true);
  });

  test("isolated page: workers block in get(); the main thread puts with putAsync() and waits with joinAsync()", async () => {
    const r = await pageResult<IsolatedResult>("/isolated/");
    expect(r.crossOriginIsolated).toBe(true);
    // the page's main thread may not block
    expect(r.mainGet).toMatchObject({ threw: true, type: "TypeError" });
    expect(r.mainGet.message).toContain("use getAsync() instead");
    expect(r.mainJoin.message).toContain("use joinAsync() instead");
    expect(r).toMatchObject({ joined: true, unfinished: 0 });
    const count = new Map<number, number>();
    for (const w of r.workers) {
      for (const item of w.got) count.set(item, (count.get(item) ?? 0) + 1);
      // one producer: each worker gets its items in the order they were put
      expect(w.got).toEqual([...w.got].sort((a, b) => a - b));
      // it was blocked in get() for the 150 ms the page waited before its first put
      if (w.got.length > 0) expect(w.firstWaitMs).toBeGreaterThanOrEqual(100);
    }
    expect(count.size).toBe(r.items);
    expect([...count.values()].every((n) => n === 1)).toBe(true);
  });

  test("the README's browser example (examples/browser_main.mjs, browser_worker.mjs, verbatim) runs", async () => {
    for (const file of ["browser_main.mjs", "browser_worker.mjs"]) expect(readmeBlock(file)).toBe(exampleText(file));
    const tab = await browser.newPage();
    try {
      await tab.goto(`${origin}/isolated/example/`);
      await tab.waitForFunction(() => document.body?.textContent !== "", null, { timeout: 30_000 });
      expect(await tab.textContent("body")).toBe("all tasks done by 2 workers");
    } finally {
      await tab.close();
    }
  });

  test("page without isolation: sharing throws an error naming both headers; the queue works in its one thread", async () => {
    const r = await pageResult<Record<string, any>>("/plain/");
    expect(r.crossOriginIsolated).toBe(false);
    expect(r.postMemory).toBe("DataCloneError"); // the platform's own refusal
    for (const refusal of [r.postHandle, r.limits.handle]) {
      expect(refusal.type).toBe("TypeError");
      expect(refusal.message).toContain("not cross-origin isolated");
      expect(refusal.message).toContain("Cross-Origin-Opener-Policy: same-origin");
      expect(refusal.message).toContain("Cross-Origin-Embedder-Policy: require-corp");
    }
    checkPool(r.pool, 3, 500);
    for (const [call, asyncName] of [["get", "getAsync()"], ["put", "putAsync()"], ["join", "joinAsync()"], ["iterate", "getAsync()"]]) {
      expect(r.limits[call]).toMatchObject({ threw: true, type: "TypeError" });
      expect(r.limits[call].message).toContain(`use ${asyncName} instead`);
    }
    expect(r.limits).toMatchObject({ getNowait: "a", emptyAfterTimeout: "Empty", pendingGot: "b", shutDownGet: "ShutDown" });
    // a lock found held: no other thread could release it, so it is damage, reported at once
    expect(r.stuck).toMatchObject({ threw: true, name: "Corrupted" });
    expect(r.stuck.message).toContain("no other thread");
  });
});
