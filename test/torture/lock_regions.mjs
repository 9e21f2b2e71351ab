// Reads the compiled core (build/core.wat, binaryen's text of build/core.wasm) and finds
// every region where the lock is held: from the compare-exchange that takes the LOCK word
// to the last store of 0 into it that follows. The kill-safety argument in
// assembly/queue.ts needs each region to have no point where an engine may stop a thread:
// no call (a function entry), no loop (a loop header / back-edge), no branch back to a
// loop, and no return before the release (V8 checks its tier-up budget on return, which
// may handle interrupts). memory.copy, memory.grow, atomics and notify are single
// instructions.
//
// The scan is linear, in text order, and rests on one more fact the tests check at run
// time: every path releases the lock (a path that did not would leave it held, and every
// later call would fail). Then no instruction executed with the lock held lies after the
// last release in text order, and scanning up to it covers every locked instruction. The
// one path it knows to hold nothing is the `if` that tests the acquire's status right
// after it (`if (lock != OK) return lock;`): its arm runs when the lock was not taken.

const CONTROL = /^(block|loop|if)\b\s*(\$\S+)?/;
const BRANCH = /^(br|br_if)\s+(\$\S+)/;

/** Splits the module text into functions: { name, lines: [{ text, line }] }. */
function functions(wat) {
  const out = [];
  let current;
  wat.split("\n").forEach((raw, i) => {
    const head = /^ \(func (\$\S+)/.exec(raw);
    if (head) {
      current = { name: head[1], lines: [] };
      out.push(current);
    } else if (current && /^ \)/.test(raw)) {
      current = undefined;
    } else if (current) {
      const text = raw.trim();
      if (text && !text.startsWith("(local ")) current.lines.push({ text, line: i + 1 });
    }
  });
  return out;
}

/**
 * The locked regions of `wat`, each { func, from, to, problems, notable }: `from` and `to`
 * are line numbers (the compare-exchange and the last release), `problems` lists every
 * call, loop or back-edge found on the locked path, `notable` the instructions that leave
 * the engine's generated code (bulk copies, memory growth, notify).
 * @param lockAddress the LOCK word's byte offset (the core exports it as LOCK)
 */
export function lockRegions(wat, lockAddress) {
  const regions = [];
  const isTake = (ls, i) => ls[i].text === "i32.atomic.rmw.cmpxchg" && ls[i - 1]?.text === "i32.const 1" &&
    ls[i - 2]?.text === "i32.const 0" && ls[i - 3]?.text === `i32.const ${lockAddress}`;
  const isRelease = (ls, i) => ls[i].text === "i32.atomic.store" && ls[i - 1]?.text === "i32.const 0" &&
    ls[i - 2]?.text === `i32.const ${lockAddress}`;
  for (const fn of functions(wat)) {
    const ls = fn.lines;
    // Structure: for each line, the stack of open constructs; and where each one ends.
    const stacks = [];
    const endOf = new Map();
    const loops = new Set();
    const open = [];
    ls.forEach((l, i) => {
      stacks.push([...open]);
      const c = CONTROL.exec(l.text);
      if (c) {
        open.push({ kind: c[1], label: c[2], at: i });
        if (c[1] === "loop" && c[2]) loops.add(c[2]);
      } else if (l.text === "end") {
        const closed = open.pop();
        if (closed) endOf.set(closed.at, i);
      }
    });
    const takes = ls.map((_, i) => i).filter((i) => isTake(ls, i));
    takes.forEach((at, n) => {
      const problems = [];
      const notable = new Set();
      const look = (i) => {
        const t = ls[i].text;
        if (/^(call|call_indirect|return_call|return_call_indirect)\b/.test(t)) problems.push(`line ${ls[i].line}: ${t}`);
        if (/^loop\b/.test(t)) problems.push(`line ${ls[i].line}: ${t}`);
        if (t.startsWith("br_table")) {
          for (const label of t.split(/\s+/).slice(1)) if (loops.has(label)) problems.push(`line ${ls[i].line}: ${t}`);
        }
        const b = BRANCH.exec(t);
        if (b && loops.has(b[2])) problems.push(`line ${ls[i].line}: ${t} (back to a loop)`);
        if (/^memory\.(copy|fill|grow)|^memory\.atomic\.notify/.test(t)) notable.add(t);
      };
      // The acquire: the innermost block around the spin loop that holds the cmpxchg.
      const stack = stacks[at];
      const spin = stack.map((s) => s.kind).lastIndexOf("loop");
      const acquire = spin > 0 ? stack.slice(0, spin).reverse().find((s) => s.kind === "block") : undefined;
      if (!acquire?.label) {
        regions.push({ func: fn.name, from: ls[at].line, to: ls[at].line, problems: ["no acquire block around the compare-exchange"], notable: [] });
        return;
      }
      // Its success path: from the cmpxchg to the branch out of the acquire block.
      let i = at + 1;
      for (; i < ls.length && !(BRANCH.exec(ls[i].text)?.[2] === acquire.label); i++) look(i);
      // The locked region proper: after the acquire block, up to the last release before
      // the next acquire (or the function's end).
      const limit = n + 1 < takes.length ? takes[n + 1] : ls.length;
      let last = -1;
      for (let j = endOf.get(acquire.at) + 1; j < limit; j++) if (isRelease(ls, j)) last = j;
      if (last < 0) {
        problems.push("no release after the acquire");
      } else {
        // A return inside the region must directly follow a release, in the same straight
        // line of code (an exit with the lock held would leave it held for good).
        let j = endOf.get(acquire.at) + 1;
        // `if (lock != OK) return lock;`: the acquire's status is tested at once, and the
        // arm taken when it is not 0 (not acquired) holds nothing. With no else arm, the
        // locked path goes on after its end.
        if (/^local\.tee \$\S+$/.test(ls[j]?.text) && /^if\b/.test(ls[j + 1]?.text) &&
            ls[endOf.get(j + 1)]?.text === "end" && !ls.slice(j + 2, endOf.get(j + 1)).some((l) => l.text === "else")) {
          j = endOf.get(j + 1) + 1;
        }
        // A release holds until the construct around it ends (or turns to its else arm);
        // constructs opened after it, such as the notify that follows a release, are
        // still past it.
        let releasedUntil = -1;
        for (; j < last; j++) {
          look(j);
          const t = ls[j].text;
          if (isRelease(ls, j)) {
            const around = stacks[j].at(-1);
            releasedUntil = ls.length;
            if (around) {
              releasedUntil = endOf.get(around.at) ?? ls.length;
              for (let k = j + 1; k < releasedUntil; k++) {
                if (ls[k].text === "else" && stacks[k].at(-1) === around) { releasedUntil = k; break; }
              }
            }
          }
          if (t === "return" && j >= releasedUntil) problems.push(`line ${ls[j].line}: return with the lock held`);
        }
      }
      regions.push({ func: fn.name, from: ls[at].line, to: last >= 0 ? ls[last].line : ls[at].line, problems, notable: [...notable] });
    });
  }
  return regions;
}

/**
 * taskDone()'s counted region (assembly/queue.ts, "Tasks"): taskDone takes no lock, but
 * between the compare-exchange that counts the task in TASKS_DONE and the notify that wakes
 * the joiners, a kill would leave joiners asleep beside a finished count. So that region
 * must hold no point where an engine may stop a thread either: right after the
 * compare-exchange, its result may branch back to the retry (taken only when it failed,
 * when nothing was counted); after that, up to the function's end, no call, no loop, no
 * branch back and no return but the last. Returns { from, problems } (from: the line of the
 * compare-exchange, or undefined when there is none).
 * @param tasksDoneAddress the TASKS_DONE word's byte offset
 */
export function doneRegion(wat, tasksDoneAddress) {
  const fn = functions(wat).find((f) => f.name === "$assembly/queue/taskDone");
  if (!fn) return { from: undefined, problems: ["no taskDone function"] };
  const ls = fn.lines;
  const at = ls.findIndex((l, i) => l.text === "i64.atomic.rmw.cmpxchg" &&
    ls.slice(Math.max(0, i - 6), i).some((p) => p.text === `i32.const ${tasksDoneAddress}`));
  if (at < 0) return { from: undefined, problems: ["no compare-exchange on TASKS_DONE"] };
  const problems = [];
  let i = at + 1;
  // The retry: the compare's answer tested against the value expected (which binaryen may
  // load from a local first), straight into the branch back, and the loop's end.
  if (/^local\.get \$\S+$/.test(ls[i]?.text ?? "")) i++;
  if (ls[i]?.text === "i64.ne" && /^br_if \$\S+$/.test(ls[i + 1]?.text ?? "") && ls[i + 2]?.text === "end") i += 3;
  let notified = false;
  for (; i < ls.length; i++) {
    const t = ls[i].text;
    if (/^(call|call_indirect|return_call|return_call_indirect|loop|br|br_if|br_table)\b/.test(t)) {
      problems.push(`line ${ls[i].line}: ${t}`);
    }
    if (t === "return") problems.push(`line ${ls[i].line}: return before the end`);
    if (t === "memory.atomic.notify") notified = true;
  }
  if (!notified) problems.push("no notify after the compare-exchange");
  return { from: ls[at].line, problems };
}
