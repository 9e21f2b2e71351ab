// npm run bench:all: the benchmark in Node, then Deno, then Bun (each from node_modules/.bin),
// so that bench/results/latest.json and the chart hold all three. Goes on after a runtime
// that FAILs, and exits with 1 if any did.
import { spawnSync } from "node:child_process";

const runs = [
  ["node", ["bench/run.mjs"]],
  ["node_modules/.bin/deno", ["task", "bench"]],
  ["node_modules/.bin/bun", ["run", "bench"]],
];
const failed = [];
for (const [command, args] of runs) {
  const { status, error } = spawnSync(command, [...args, ...process.argv.slice(2)], { stdio: "inherit" });
  if (status !== 0) failed.push(`${command} ${args.join(" ")}: ${error?.message ?? `exit ${status}`}`);
}
if (failed.length > 0) console.log(`bench:all: FAIL in ${failed.join("; ")}`);
process.exit(failed.length > 0 ? 1 : 0);
