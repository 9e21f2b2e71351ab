// The package as a user gets it: `npm pack` of this checkout (so its `files` list and its
// `exports` conditions are what is tested), unpacked into node_modules/joinable-queue of a
// new temporary project beside copies of the test fixtures and of examples/. Host tests
// bundle from there.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const fixtures = fileURLToPath(new URL("./fixtures", import.meta.url));
const examples = join(root, "examples");

export interface PackedProject {
  /** The temporary project: fixtures at its top, examples/, the package in node_modules. */
  dir: string;
  /** The unpacked package (node_modules/joinable-queue). */
  pkg: string;
  remove(): void;
}

export function packedProject(): PackedProject {
  if (!existsSync(join(root, "dist", "default.js"))) {
    throw new Error("dist/ is missing: run `npm run build` (npm test builds first)");
  }
  const dir = mkdtempSync(join(tmpdir(), "joinable-queue-host-"));
  // --ignore-scripts: the prepack build already ran (npm test builds before any test).
  const out = execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], {
    cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"],
  });
  const [{ filename }] = JSON.parse(out) as [{ filename: string }];
  const pkg = join(dir, "node_modules", "joinable-queue");
  mkdirSync(pkg, { recursive: true });
  execFileSync("tar", ["-xzf", join(dir, filename), "-C", pkg, "--strip-components=1"]);
  for (const file of readdirSync(fixtures)) cpSync(join(fixtures, file), join(dir, file));
  cpSync(examples, join(dir, "examples"), { recursive: true });
  return { dir, pkg, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The code block the README shows under `<!-- examples/<file> -->`. */
export function readmeBlock(file: string): string | undefined {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  return new RegExp(`<!-- examples/${file} -->\\s*\`\`\`js\\n([\\s\\S]*?)\`\`\``).exec(readme)?.[1];
}

/** The text of examples/<file>. */
export function exampleText(file: string): string {
  return readFileSync(join(examples, file), "utf8");
}
