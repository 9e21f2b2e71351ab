// A tiny WebAssembly module, assembled here byte by byte, for the terminate() probes: it
// asks the engine the questions the core's kill-safety argument rests on, without the core.
//
//   critical(n)  ENTER += 1; memory.copy of n bytes; LEAVE += 1    (no loop, no call)
//   loopy(n)     ENTER += 1; a loop of n iterations; LEAVE += 1    (a back-edge inside)
//   spin()       SPIN += 1 until STOP is set                        (a back-edge)
//
// Words (i32 indexes into the shared memory): ENTER 0, LEAVE 1, SPIN 2, STOP 3. A thread killed
// inside critical() would leave ENTER = LEAVE + 1; the argument says it never is. loopy()
// is the control: the same shape with a loop between the two counters, which engines may
// stop at its back-edge, leaving ENTER = LEAVE + 1.
export const ENTER = 0;
export const LEAVE = 1;
export const SPIN = 2;
export const STOP = 3;
// Words of probe_worker.mjs's JavaScript states.
export const JS_SPIN = 4; // bumped by the pure-JavaScript loop
export const WAIT = 5; // the word the "wait" state waits on
export const WOKE = 6; // set when Atomics.wait returned
export const AFTER = 7; // bumped by an interval once the state has ended
export const READY = 8; // set just before the state starts
/** Where critical() copies from and to; the memory must reach COPY_TO + n. */
export const COPY_FROM = 1 << 20;
export const COPY_TO = 8 << 20;

const uleb = (n) => {
  const out = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
};
const sleb = (n) => {
  const out = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
};
const name = (s) => [...uleb(s.length), ...new TextEncoder().encode(s)];
const section = (id, bytes) => [id, ...uleb(bytes.length), ...bytes];
const vec = (items) => [...uleb(items.length), ...items.flat()];

const I32_CONST = 0x41, DROP = 0x1a, END = 0x0b, LOCAL_GET = 0x20, LOCAL_SET = 0x21;
const ATOMIC_ADD = [0xfe, 0x1e, 2, 0]; // i32.atomic.rmw.add align=4 offset=0
const MEMORY_COPY = [0xfc, 0x0a, 0, 0];
const bump = (word) => [I32_CONST, ...sleb(word * 4), I32_CONST, 1, ...ATOMIC_ADD, DROP];

const critical = [
  0, // no locals
  ...bump(ENTER),
  I32_CONST, ...sleb(COPY_TO), I32_CONST, ...sleb(COPY_FROM), LOCAL_GET, 0, ...MEMORY_COPY,
  ...bump(LEAVE),
  END,
];
const loopy = [
  0,
  ...bump(ENTER),
  0x02, 0x40, 0x03, 0x40, // block, loop
  LOCAL_GET, 0, 0x45, 0x0d, 1, // if n == 0 leave the block
  LOCAL_GET, 0, I32_CONST, 1, 0x6b, LOCAL_SET, 0, // n -= 1
  0x0c, 0, // back to the loop's start
  END, END,
  ...bump(LEAVE),
  END,
];
const spin = [
  0,
  0x03, 0x40, // loop
  ...bump(SPIN),
  I32_CONST, ...sleb(STOP * 4), 0xfe, 0x10, 2, 0, 0x45, 0x0d, 0, // again while STOP == 0
  END,
  END,
];

const bytes = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
  ...section(1, vec([[0x60, 1, 0x7f, 0], [0x60, 0, 0]])), // types: (i32) -> (), () -> ()
  ...section(2, vec([[...name("env"), ...name("memory"), 0x02, 0x03, 1, ...uleb(65535)]])),
  ...section(3, vec([[0], [0], [1]])),
  ...section(7, vec([
    [...name("critical"), 0, 0], [...name("loopy"), 0, 1], [...name("spin"), 0, 2],
  ])),
  ...section(10, vec([critical, loopy, spin].map((body) => [...uleb(body.length), ...body]))),
]);

export const probeModule = () => new WebAssembly.Module(bytes);
