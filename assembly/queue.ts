// joinable-queue core: a bounded-or-unbounded FIFO of variable-length byte records with
// Python's unfinished-task counter, in a shared WebAssembly.Memory.
//
// Design: one short spin lock guards the header and the ring (as in Go's runtime/chan.go,
// where one mutex guards a circular buffer); the ring is a circular byte buffer of framed
// records that grows by moving to a larger block of the shared heap (heap.ts). The core
// never blocks and never allocates JS values: every call answers a status (done, would
// block, shut down, corrupted, busy) and the bindings decide whether and how to wait, on
// the futex words below, with Atomics.wait / Atomics.waitAsync.
//
// Layout: layout.ts draws every word. Constraints: no static data (a data segment would be
// re-applied by each thread that instantiates the module), no runtime heap, no abort; all
// shared state is read and written at the fixed addresses of layout.ts.
//
// Invariants (hold whenever LOCK is 0; headerProblem() checks them under the lock):
//   I1 LOCK is 0 or 1. The words COUNT, HEAD, USED, RING, RING_CAP, HEAP_TOP, TASKS_PUT,
//      TAKEN, RING_GEN, STATE, FREE_MAP, FREE_HEAD[] and the ring's bytes are written only
//      by a thread holding LOCK (TASKS_DONE is not: see I9 and "Tasks"). MAGIC, VERSION,
//      MAXSIZE and MAX_PAGES are written once, by init(), before any other thread can see
//      the memory; so is CODEC_TAG, a hash of the codec name the creator chose, which
//      attach compares with its handle's name.
//   I2 RING_CAP is a power of two, RING is the one block tagged BLOCK_RING, of that class,
//      0 <= HEAD < RING_CAP, USED <= RING_CAP, and HEAD and USED are multiples of 8.
//   I3 The USED bytes from HEAD (wrapping at RING_CAP) are exactly COUNT well-formed frames
//      (len, ~len, payload, pad); COUNT == 0 exactly when USED == 0.
//   I4 MAXSIZE == 0 or COUNT <= MAXSIZE.
//   I5 TAKEN and RING_GEN only rise. HEAD and RING change only together with one of them
//      (a take adds to TAKEN, a discard adds to TAKEN, a move adds to RING_GEN), so a
//      reader that walked frames without the lock and finds both unchanged under the lock
//      knows the bytes it walked are still the oldest records, unmoved (see take()).
//   I6 An epoch word is bumped after the change it announces and before the lock is
//      released; if its waiter count, read under the lock, is non-zero, a notify follows
//      the release (after it, so that the woken thread does not find the lock still held:
//      the notify is a system call of several microseconds). DONE_EPOCH alone is also
//      bumped outside the lock, by the taskDone() that did the last task ("Tasks").
//   I8 SEAL is the hash (seal()) of the words the lock guards and of the write-once words,
//      as the last holder of the lock left them: every locked section that found the header
//      sound reseals on release; one that found it damaged does not, so damage that no
//      other check can see (a TASKS_PUT, TAKEN, STATE or HEAP_TOP written without the
//      lock, even to a plausible value) is reported by every later call, never blessed.
//   I7 MAXSIZE and MAX_PAGES equal this thread's copy of them (expectLimits()), taken when
//      it created or attached to the queue: module globals are per thread, out of reach of
//      a thread that scribbles over the shared memory, so damage to a write-once word
//      shows as a difference even where the damaged value would be in range.
//   I9 TASKS_PUT and TASKS_DONE only rise, and TASKS_DONE <= TASKS_PUT except inside
//      shutdown()'s locked section; unfinished tasks = TASKS_PUT - TASKS_DONE (see "Tasks").
//
// Scribbled memory: a buggy thread may write any byte at any moment, lock or no lock, so a
// check proves nothing about a second load of the same word. Every word that decides an
// address or a length (RING, RING_CAP, HEAD, USED, COUNT, a block's class) is loaded once,
// checked, and only the checked value is used: headerProblem() leaves the ring's words in
// per-thread globals (ringAt, ringCap, ...) for the rest of the locked section, alloc()
// says the class of the block it returns, scratchRoom() the size of the scratch it checked.
// So damage makes a call answer CORRUPTED, or at worst copy wrong bytes within the ring or
// the heap; no address outside the memory is ever formed (no trap, which would leave the
// lock held) and no record is read from outside the ring.
//
// Waiting without lost wake-ups (bindings/wait.ts is the other half): a waiter first adds
// itself to the waiter count, then reads the epoch, then tries its operation once more, and
// only then waits for the epoch to differ from what it read. The waiter's steps are
// sequentially consistent atomics, and its retry takes the lock. A waker changes the state,
// bumps the epoch and reads the waiter count all in one locked section, so the lock orders
// it against the retry. If the waker's section comes first, the retry sees its change. If
// the retry comes first, so did the waiter's increment and its read of the epoch, before
// the retry's release of the lock; the waker, acquiring the lock after that release, reads
// a non-zero count and notifies, after a bump the waiter's Atomics.wait cannot miss (it
// returns at once if the epoch already differs, or sleeps and is woken). So the epoch and
// the count need no atomic read-modify-write of their own inside the section: only lock
// holders write PUT_EPOCH and GET_EPOCH. (Joiners are woken by taskDone() without the
// lock, by the same argument on atomics alone: "Tasks".) Nobody waiting means no notify:
// the fast path makes no syscall.
// A thread that scribbles over a waiter count or an epoch can break this argument; the
// bindings therefore never sleep longer than a slice (WAIT_SLICE_MS) before trying again.
//
// Kill safety: a thread may be terminated (worker.terminate()) at any moment it runs. An
// engine stops a thread only at the points where it checks for interrupts, and none of
// them lies inside a locked section:
//  - The engines (measured by test/torture/terminate_probe.mjs; the facts are recorded in
//    test/torture/terminate_facts.mjs and the README): V8 in Node stops a thread at the
//    usual points of JavaScript and, inside WebAssembly, at function entries, loop headers
//    and returns; Bun's JavaScriptCore was never seen to stop a thread inside a
//    WebAssembly call, only in the JavaScript around it; Deno 2.9 stops a worker only when
//    it returns to its event loop. A single instruction (memory.copy, memory.grow, an
//    atomic, a notify) runs to its end.
//  - The core: every export that takes the lock makes all its changes and releases it in
//    its own body, with every helper inlined, and between the compare-exchange that takes
//    the lock and the store that releases it there is no call, no loop, no branch back and
//    no return. The loops are the spin that takes the lock (and its pause), putBatch's
//    check of its frames and take()'s lock-free walk (all before the lock is held), and
//    take()'s retry, whose branch back follows the release. test/kill_test.ts checks this
//    on the compiled build/core.wat.
// So no kill lands with the lock held, and the shared state moves from one valid state to
// the next in steps no kill can split. A kill can only cut the JavaScript around a core
// call, and that holds nothing shared:
//  - a put copies the item into the calling handle's own scratch block, then one core call
//    copies it into the ring under the lock (or makes that block the ring): cut before that
//    call, the item is not in the queue; after it, it is, whole. A put or putMany happens
//    entirely or not at all.
//  - a take is one core call that removes records and copies them out to the scratch under
//    the lock; a kill after it loses those records (one, or a getMany batch) with the
//    thread, and their tasks stay unfinished, as in Python. A record larger than the
//    scratch is taken in two calls (see "Records larger than the scratch"): peek() notes
//    it, the bindings copy it out without the lock, and drop() removes it only if nothing
//    moved meanwhile; a kill before drop() takes nothing, a kill after it loses that one.
//  - a waiting thread has raised a waiter count that stays raised: wakers then notify with
//    no one to wake (a wasted system call, never a lost wake-up).
//  - the thread's scratch block stays allocated (two, if it was moving to a larger one): no
//    other thread can know that it is free.
// `npm run torture` kills hundreds of workers at these points and checks every item.

import {
  BLOCK_HEADER, BLOCK_RING, BLOCK_USED, CODEC_TAG, COUNT, DONE_EPOCH, FRAME_ALIGN, FRAME_HEADER,
  FREE_MAP, GET_EPOCH, GET_WAITERS, HEAD, HEAP_START, HEAP_TOP, INITIAL_RING_CLASS, JOIN_WAITERS, LAYOUT_VERSION,
  LOCK, MAGIC, MAGIC_VALUE, MAX_PAGES, MAXSIZE, NOTE_BYTES, NOTE_FIRST, NOTE_FROM, NOTE_GEN,
  NOTE_LEN, NOTE_RING, NOTE_SECOND, NOTE_TAKEN, PUT_EPOCH, PUT_WAITERS, RING, RING_CAP,
  RING_GEN, SEAL, STATE, STATE_OPEN, STATE_SHUT_DOWN, TAKEN, TASKS_DONE, TASKS_PUT, USED, VERSION,
  frameSize,
} from "./layout";
import {
  ALLOC_CORRUPTED, alloc, blockSize, classFor, free, isBlockPtr, lastAllocClass, lastAllocStatus,
  memoryBytes, refreshMemoryBytes,
} from "./heap";

// Status codes: >= 0 is success (take returns the number of records taken).
export const OK: i32 = 0;
export const EMPTY: i32 = -1; // nothing to take now
export const FULL: i32 = -2; // no room now (item limit or byte ceiling)
export const SHUT_DOWN: i32 = -3; // put after shutdown, or take from an empty shut-down queue
export const BUSY: i32 = -4; // the lock stayed held through the whole spin; call again
export const CORRUPTED: i32 = -5; // the memory does not hold a valid queue
export const TOO_BIG: i32 = -6; // the record could never fit under the memory ceiling
export const NEED_SCRATCH: i32 = -7; // the oldest record is larger than the scratch: peek() it
export const NONE_UNFINISHED: i32 = -8; // taskDone() with no unfinished task
export const NO_MEMORY: i32 = -9; // no block could be allocated under the ceiling
export const TOO_MANY: i32 = -10; // a batch longer than maxsize
export const BAD_MAGIC: i32 = -11; // attach: not a joinable-queue memory
export const BAD_VERSION: i32 = -12; // attach: another layout version
export const BAD_CODEC: i32 = -13; // attach: the handle names another codec than the queue's
export const STALE: i32 = -14; // drop(): the record peeked was taken or moved since; peek again
// put() and putBatch() succeeded, and the ring grew into the caller's scratch block: the
// caller's scratch is now scratchAfterAdoption() (see "Growing into the scratch").
export const ADOPTED: i32 = 1;

const SPINS: i32 = 2048; // reads of LOCK (a few microseconds) before answering BUSY
const RETRY: i32 = -100; // internal, never returned: a lock-free walk went stale
const WALK_ATTEMPTS: i32 = 3;

// Per-thread results beside the status (module globals are not shared between threads).
let outBytes: u32 = 0;

/** Bytes the last successful take() copied into the scratch. */
export function takenBytes(): u32 {
  return outBytes;
}

// ---- The lock ---------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function acquire(): i32 {
  for (let i = 0; i < SPINS; i++) {
    // Read before trying: a compare-exchange takes the cache line from the holder even
    // when it fails, and so slows down the very section it waits for.
    if (atomic.load<u32>(LOCK) == 1) {
      if (lockPause != 0) pause();
      continue;
    }
    const seen = atomic.cmpxchg<u32>(LOCK, 0, 1); // acquire: the header reads below follow it
    if (seen == 0) { // leaves the loop forward: no back-edge while the lock is held
      syncMemorySize(<u64>atomic.load<u32>(HEAP_TOP));
      sealOk = false; // until headerProblem() finds the header sound (I8)
      wakeAfterRelease = 0;
      return OK;
    }
    if (seen > 1) return corrupted(PROBLEM_LOCK); // keeps I1
  }
  return BUSY;
}

// How long acquire() waits after each look at a held lock, in steps of arithmetic on a
// module global (this thread's own: the pause touches no shared memory). 0, the default,
// is no pause. The bindings choose it per engine (bindings/host.ts,
// lockPauseForThisEngine): in JavaScriptCore (Bun) two threads that keep looking at the
// lock starve its holder, and a pause of about a microsecond moved S2 from 1.2-1.3 to
// 2.9-3.0 M/s; in V8 the same pause slows the hand-overs of a bounded queue
// (bench/README.md, "What each optimisation bought"). The pause lengthens the spin before
// BUSY with it: 2048 looks of 512 steps are about 2 ms, which unlocked() in the bindings
// tolerates (it counts time, not tries).
let lockPause: u32 = 0;
let pauseSink: u32 = 0;
export const MAX_LOCK_PAUSE: u32 = 4096;

/** Sets this thread's pause after each look at a held lock (clamped to MAX_LOCK_PAUSE). */
export function setLockPause(steps: u32): void {
  lockPause = min(steps, MAX_LOCK_PAUSE);
}

/** This thread's pause after each look at a held lock, in steps. */
export function lockPauseSteps(): u32 {
  return lockPause;
}

// @ts-ignore: decorator
@inline function pause(): void {
  // A linear congruential step per iteration: a dependency chain the optimiser cannot
  // drop, since the result is kept.
  let x = pauseSink;
  for (let k: u32 = 0; k < lockPause; k++) x = x * 1103515245 + 12345;
  pauseSink = x;
}

/**
 * Makes this thread's view of the memory size cover `end`. Engines publish a growth made
 * by another thread to this one lazily (V8 on its next interrupt check; a stale
 * memory.size() was measured here after another thread's grow), and `memory.grow(0)`
 * makes V8 refresh it at once. Where even that leaves the view stale (seen in Bun), the
 * checks below answer CORRUPTED before touching anything past the view, and the bindings
 * refresh the view from JavaScript and call again (Core.refreshMemory).
 */
// @ts-ignore: decorator
@inline function syncMemorySize(end: u64): void {
  if (end > memoryBytes() && end > refreshMemoryBytes()) {
    memory.grow(0);
    refreshMemoryBytes();
  }
}

// @ts-ignore: decorator
@inline function release(): void {
  if (sealOk) store<u32>(SEAL, seal()); // I8: only a section that found it sound (published by the store below)
  atomic.store<u32>(LOCK, 0); // release: publishes every write made under the lock
  if (wakeAfterRelease != 0) { // keeps I6
    atomic.notify(wakeAfterRelease, -1);
    wakeAfterRelease = 0;
    notifyCount++;
  }
}

// Whether this thread's current locked section found the header sound (I8).
let sealOk: bool = false;

/** The hash of every word I1 says only the lock holder writes (but FREE_HEAD[], which the
 * heap checks itself), and of the write-once words: each word times its own odd constant,
 * summed (mod 2^32). An odd constant is invertible mod 2^32, so a change to any single word
 * changes the seal; and the products are independent of one another, so the CPU computes
 * them side by side (a chained hash such as FNV-1a, one multiply after another, cost about
 * three times as long, measured on put() at every acquire and release). */
// @ts-ignore: decorator
@inline function seal(): u32 {
  return load<u32>(VERSION) * 0xdc73297f +
    load<u32>(STATE) * 0x9b986849 +
    load<u32>(MAXSIZE) * 0x55fc62ed +
    load<u32>(MAX_PAGES) * 0x7b45faa7 +
    load<u32>(COUNT) * 0xb7385c41 +
    load<u32>(HEAD) * 0x84d6896d +
    load<u32>(USED) * 0x5003cd41 +
    load<u32>(RING) * 0xdc253faf +
    load<u32>(RING_CAP) * 0x400d79ed +
    load<u32>(HEAP_TOP) * 0x5f6e7035 +
    load<u32>(TASKS_PUT) * 0xe44eac49 +
    load<u32>(TASKS_PUT + 4) * 0xe41a1a37 +
    load<u32>(TAKEN) * 0x9c6f772d +
    load<u32>(TAKEN + 4) * 0x021a04db +
    load<u32>(RING_GEN) * 0xd9047305 +
    load<u32>(FREE_MAP) * 0x73bb6b05 +
    load<u32>(CODEC_TAG) * 0x622cf103;
}

// ---- Checks -----------------------------------------------------------------------------

/** The largest ring (and so the largest frame) that can exist under MAX_PAGES: a power of
 * two such that the ring, a producer's scratch and a consumer's scratch of that size fit
 * at once beside the header. */
// @ts-ignore: decorator
@inline function maxRingCap(): u64 {
  const avail = (<u64>load<u32>(MAX_PAGES) << 16) - 4096;
  return <u64>1 << (63 - clz<u64>(avail / 3));
}

// Why the last CORRUPTED answer was given, for the error message (per thread).
export const PROBLEM_LOCK: i32 = 1;
export const PROBLEM_MAGIC: i32 = 2;
export const PROBLEM_VERSION: i32 = 3;
export const PROBLEM_STATE: i32 = 4;
export const PROBLEM_PAGES: i32 = 5;
export const PROBLEM_HEAP_TOP: i32 = 6;
export const PROBLEM_RING: i32 = 7;
export const PROBLEM_HEAD: i32 = 8;
export const PROBLEM_USED: i32 = 9;
export const PROBLEM_COUNT: i32 = 10;
export const PROBLEM_FREE_LIST: i32 = 11;
export const PROBLEM_FRAME: i32 = 12;
export const PROBLEM_SCRATCH: i32 = 13;
export const PROBLEM_BATCH: i32 = 14;
export const PROBLEM_MAXSIZE: i32 = 15;
export const PROBLEM_SEAL: i32 = 16;
export const PROBLEM_TASKS: i32 = 17;
let lastProblem: i32 = 0;

// This thread's copy of the write-once words (I7); 0 pages until init() or expectLimits().
let expectedMaxsize: u32 = 0;
let expectedMaxPages: u32 = 0;

// The ring's words as headerProblem() loaded and checked them, for the rest of the locked
// section (per thread; see "Scribbled memory" above). growRing() updates them.
let ringAt: u32 = 0;
let ringCap: u32 = 0;
let ringHead: u32 = 0;
let ringUsed: u32 = 0;
let ringCount: u32 = 0;

/** Which check the last CORRUPTED answer of this thread failed (a PROBLEM_ code). */
export function problem(): i32 {
  return lastProblem;
}

// @ts-ignore: decorator
@inline function corrupted(problem: i32): i32 {
  lastProblem = problem;
  return CORRUPTED;
}

/** 0 when I1-I4, I7, I8 and the heap's bounds hold, else the PROBLEM_ code of the first
 * that does not. The lock is held; a locked section reseals on release only after a 0. */
// @ts-ignore: decorator
@inline function headerProblem(): i32 {
  const problem = headerChecks();
  sealOk = problem == 0;
  return problem;
}

// @ts-ignore: decorator
@inline function headerChecks(): i32 {
  const ring = load<u32>(RING);
  const cap = load<u32>(RING_CAP);
  const head = load<u32>(HEAD);
  const used = load<u32>(USED);
  const count = load<u32>(COUNT);
  const top = load<u32>(HEAP_TOP);
  const maxsize = load<u32>(MAXSIZE);
  const maxPages = load<u32>(MAX_PAGES);
  ringAt = ring; // meaningful only when this returns 0
  ringCap = cap;
  ringHead = head;
  ringUsed = used;
  ringCount = count;
  if (load<u32>(MAGIC) != MAGIC_VALUE) return PROBLEM_MAGIC;
  if (load<u32>(VERSION) != LAYOUT_VERSION) return PROBLEM_VERSION;
  if (load<u32>(STATE) > STATE_SHUT_DOWN) return PROBLEM_STATE;
  if (maxPages > 65535 || <u32>(memoryBytes() >> 16) > maxPages ||
      (expectedMaxPages != 0 && maxPages != expectedMaxPages)) return PROBLEM_PAGES; // I7
  if (expectedMaxPages != 0 && maxsize != expectedMaxsize) return PROBLEM_MAXSIZE; // I7
  if (top < HEAP_START || <u64>top > memoryBytes()) return PROBLEM_HEAP_TOP;
  if (cap < FRAME_ALIGN || popcnt<u32>(cap) != 1 || ring < HEAP_START + BLOCK_HEADER ||
      <u64>ring + <u64>cap > <u64>top || load<u32>(ring - BLOCK_HEADER) != ctz<u32>(cap) ||
      load<u32>(ring - BLOCK_HEADER + 4) != BLOCK_RING) return PROBLEM_RING;
  if (head >= cap || (head & 7) != 0) return PROBLEM_HEAD;
  if (used > cap || (used & 7) != 0) return PROBLEM_USED;
  if (<u64>count * <u64>FRAME_HEADER > <u64>used || (count == 0) != (used == 0) ||
      (maxsize != 0 && count > maxsize)) return PROBLEM_COUNT;
  // I8 last, so that the checks above name what they can; this catches what they cannot.
  if (load<u32>(SEAL) != seal()) return PROBLEM_SEAL;
  return 0;
}

/** The size of `block` when it is a used heap block of at least `size` bytes (a handle's
 * scratch), else 0. The class is loaded once: the size returned is the size checked. */
// @ts-ignore: decorator
@inline function scratchRoom(block: u32, size: u64): u64 {
  const top = <u64>atomic.load<u32>(HEAP_TOP); // once: other threads may raise it meanwhile
  syncMemorySize(max<u64>(top, <u64>block + size));
  if (block < HEAP_START + BLOCK_HEADER || <u64>block > memoryBytes()) return 0;
  const klass = load<u32>(block - BLOCK_HEADER);
  if (!isBlockPtr(block, klass, top) || load<u32>(block - BLOCK_HEADER + 4) != BLOCK_USED) return 0;
  const room = <u64>1 << klass;
  return room >= size ? room : 0;
}

// ---- Ring copies (at most two bulk copies each: no loop) --------------------------------

// Frames up to SMALL_COPY bytes are copied word by word, in straight-line code: memory.copy
// is a call out of the engine's generated code (V8 calls a C++ helper), which costs more
// than the whole copy of a small record. Frames are 8-aligned and a multiple of 8 bytes, so
// whole 64-bit words copy them exactly. No loop, no call: see "Kill safety".
const SMALL_COPY: u32 = 64;

/** Whether `n` bytes (a multiple of 8) are a small copy that does not wrap past `room`. */
// @ts-ignore: decorator
@inline function isSmall(n: u32, room: u32): bool {
  return n >= FRAME_HEADER && n <= SMALL_COPY && n <= room;
}

// @ts-ignore: decorator
@inline function copySmall(dst: u32, src: u32, n: u32): void {
  store<u64>(dst, load<u64>(src)); // n >= FRAME_HEADER
  if (n > 8) store<u64>(dst + 8, load<u64>(src + 8));
  if (n > 16) store<u64>(dst + 16, load<u64>(src + 16));
  if (n > 24) store<u64>(dst + 24, load<u64>(src + 24));
  if (n > 32) store<u64>(dst + 32, load<u64>(src + 32));
  if (n > 40) store<u64>(dst + 40, load<u64>(src + 40));
  if (n > 48) store<u64>(dst + 48, load<u64>(src + 48));
  if (n > 56) store<u64>(dst + 56, load<u64>(src + 56));
}

// @ts-ignore: decorator
@inline function copyIn(ring: u32, cap: u32, at: u32, src: u32, n: u32): void {
  if (isSmall(n, cap - at)) {
    copySmall(ring + at, src, n);
  } else {
    const first = min<u32>(n, cap - at);
    memory.copy(ring + at, src, first);
    memory.copy(ring, src + first, n - first);
  }
}

// @ts-ignore: decorator
@inline function copyOut(dst: u32, ring: u32, cap: u32, at: u32, n: u32): void {
  if (isSmall(n, cap - at)) {
    copySmall(dst, ring + at, n);
  } else {
    const first = min<u32>(n, cap - at);
    memory.copy(dst, ring + at, first);
    memory.copy(dst + first, ring, n - first);
  }
}

/** Keeps I6: bump the epoch, and if it has waiters, have release() wake them. Lock held. */
// @ts-ignore: decorator
@inline function announce(epoch: u32, waiters: u32): void {
  store<i32>(epoch, load<i32>(epoch) + 1); // only lock holders write PUT_EPOCH and GET_EPOCH
  if (atomic.load<i32>(waiters) != 0) wakeAfterRelease = epoch;
}

// The epoch whose waiters release() wakes, or 0 (per thread; one epoch per section).
let wakeAfterRelease: u32 = 0;

// The notifies this thread's instance has made: the benchmark's evidence that an operation
// with nobody waiting makes none (per thread, like every module global).
let notifyCount: u32 = 0;

/** How many Atomics.notify this instance has made (wraps at 2^32). */
export function notifies(): u32 {
  return notifyCount;
}

// ---- Growing into the scratch ----------------------------------------------------------
//
// A put must be able to grow the ring whatever else the heap holds. Its own scratch holds
// the item, as large as the item; the ring must grow to hold the records and the item; and
// other putters of large items may hold scratch blocks as large while they wait for room.
// The stress test met it once (the README's "Known issue" until this change): two putters
// of 1 MiB items, each holding a 2 MiB scratch, found the ring empty but at 1 MiB, and no
// 2 MiB block left for it under maxBytes: each waited for memory the other held, for ever.
// So when no block can be allocated, the ring grows into the caller's scratch block, if
// that is large enough for the records and the new frames and no larger than a ring may
// be: the frames move up within the block, the records are copied below them, the block
// becomes the ring, and the ring's old block becomes the caller's scratch (put answers
// ADOPTED; scratchAfterAdoption() says where). All of it in one locked section, with no
// loop and no call: a kill cannot split it. A large put then needs only its scratch.

/** Moves the ring to a block large enough for `size` more bytes: a new block, or else the
 * caller's scratch `src` (of `room` bytes, as scratchRoom() checked it), which holds those
 * bytes; see "Growing into the scratch". Answers OK, ADOPTED (the frames are already in
 * place), FULL or CORRUPTED. Lock held, header checked. */
// @ts-ignore: decorator
@inline function growRing(size: u64, src: u32, room: u64): i32 {
  const ring = ringAt;
  const cap = ringCap;
  const head = ringHead;
  const used = ringUsed;
  const limit = maxRingCap();
  const want = <u64>used + size;
  if (want > limit) return FULL;
  let target = <u64>1 << classFor(want);
  if (target < (<u64>cap << 1)) target = min<u64>(<u64>cap << 1, limit);
  let block = alloc(target);
  let blockCap: u32 = 0;
  let status = OK;
  if (block != 0) {
    blockCap = <u32>1 << lastAllocClass(); // >= target: alloc() checked this class
  } else {
    if (lastAllocStatus() == ALLOC_CORRUPTED) return corrupted(PROBLEM_FREE_LIST);
    if (room < want || room > limit) return FULL;
    // The new frames move up past where the records will go (memory.copy is a memmove),
    // and the records go below them: then the block holds the ring's bytes in order.
    memory.copy(src + <u32>used, src, <u32>size);
    block = src;
    blockCap = <u32>room;
    status = ADOPTED;
  }
  copyOut(block, ring, cap, head, used); // the records, oldest first, from offset 0
  store<u32>(block - BLOCK_HEADER + 4, BLOCK_RING); // keeps I2
  store<u32>(ring - BLOCK_HEADER + 4, BLOCK_USED); // what free() takes back, or the caller's new scratch
  if (status == ADOPTED) adoptedScratch = ring;
  else free(ring);
  atomic.store<u32>(RING, block);
  atomic.store<u32>(RING_CAP, blockCap);
  atomic.store<u32>(HEAD, 0);
  ringAt = block;
  ringCap = blockCap;
  ringHead = 0;
  atomic.add<u32>(RING_GEN, 1); // keeps I5: a walk over the old ring is now stale
  return status;
}

// The block a put that answered ADOPTED left the caller as its scratch (per thread).
let adoptedScratch: u32 = 0;

/** The caller's scratch after a put() or putBatch() answered ADOPTED: the ring's old block. */
export function scratchAfterAdoption(): u32 {
  return adoptedScratch;
}

// ---- Operations -------------------------------------------------------------------------

/** Sets up a fresh, zeroed memory. Called once by the thread that creates the queue,
 * before the memory is shared. */
export function init(maxsize: u32, maxPages: u32, codecTag: u32): i32 {
  if (load<u32>(MAGIC) != 0 || maxPages == 0 || maxPages > 65535) return CORRUPTED;
  store<u32>(MAXSIZE, maxsize);
  store<u32>(MAX_PAGES, maxPages);
  expectedMaxsize = maxsize; // keeps I7
  expectedMaxPages = maxPages;
  store<u32>(HEAP_TOP, HEAP_START);
  store<u32>(STATE, STATE_OPEN);
  const ringClass = min<u32>(INITIAL_RING_CLASS, <u32>ctz<u64>(maxRingCap()));
  const ring = alloc(<u64>1 << ringClass);
  if (ring == 0) return NO_MEMORY;
  store<u32>(ring - BLOCK_HEADER + 4, BLOCK_RING); // keeps I2
  store<u32>(RING, ring);
  store<u32>(RING_CAP, <u32>blockSize(ring));
  store<u32>(CODEC_TAG, codecTag);
  store<u64>(TASKS_DONE, DONE_FACTOR); // the code of 0 tasks done (see "Tasks")
  store<u32>(VERSION, LAYOUT_VERSION);
  store<u32>(SEAL, seal()); // I8, over everything above
  atomic.store<u32>(MAGIC, MAGIC_VALUE); // last: a memory with MAGIC set is complete
  return OK;
}

/** Whether the memory holds a queue of this layout and codec (for attach). */
export function check(codecTag: u32): i32 {
  if (atomic.load<u32>(MAGIC) != MAGIC_VALUE) return BAD_MAGIC;
  if (atomic.load<u32>(VERSION) != LAYOUT_VERSION) return BAD_VERSION;
  if (atomic.load<u32>(CODEC_TAG) != codecTag) return BAD_CODEC;
  return OK;
}

/** Gives this thread's instance the write-once words as the queue was created with them
 * (I7): an instance over an existing queue calls it before any other operation. */
export function expectLimits(maxsize: u32, maxPages: u32): void {
  expectedMaxsize = maxsize;
  expectedMaxPages = maxPages;
}

/** The memory ceiling in pages given at creation. */
export function maxPages(): u32 {
  return load<u32>(MAX_PAGES);
}

/** The largest payload put() can ever accept under this queue's memory ceiling. */
export function maxItemBytes(): f64 {
  return <f64>(maxRingCap() - <u64>FRAME_HEADER);
}

/** The memory size this thread's instance sees, in pages (to compare with the JS view). */
export function memoryPages(): i32 {
  return <i32>(refreshMemoryBytes() >> 16);
}

/** The item limit given at creation (0 = unbounded). */
export function maxsize(): u32 {
  return load<u32>(MAXSIZE);
}

/** A scratch block of at least `size` bytes for the calling handle, or 0 with the reason
 * in scratchStatus(). */
let scratchStatusValue: i32 = OK;
export function allocScratch(size: u32): u32 {
  const lock = acquire();
  if (lock != OK) { scratchStatusValue = lock; return 0; }
  const broken = headerProblem();
  if (broken != 0) { release(); scratchStatusValue = corrupted(broken); return 0; }
  const block = alloc(<u64>size);
  release();
  scratchStatusValue = block != 0 ? OK
    : lastAllocStatus() == ALLOC_CORRUPTED ? corrupted(PROBLEM_FREE_LIST) : NO_MEMORY;
  return block;
}

export function scratchStatus(): i32 {
  return scratchStatusValue;
}

/** The usable size of a scratch block returned by allocScratch(). */
export function scratchCapacity(block: u32): f64 {
  const room = scratchRoom(block, 0);
  return room != 0 ? <f64>room : -1;
}

/** Gives a handle's scratch block back to the heap, and wakes the putters: one may be
 * waiting for memory for its own scratch (the bindings wait for it as for room). */
export function freeScratch(block: u32): i32 {
  const lock = acquire();
  if (lock != OK) return lock;
  const broken = headerProblem();
  const freed = broken == 0 && free(block);
  if (freed) announce(GET_EPOCH, PUT_WAITERS); // keeps I6
  release();
  return freed ? OK : corrupted(broken != 0 ? broken : PROBLEM_SCRATCH);
}

/** Puts the `len` payload bytes at scratch + FRAME_HEADER as one record. */
export function put(scratch: u32, len: u32): i32 {
  const size = frameSize(len);
  const room = scratchRoom(scratch, size);
  if (room == 0) return corrupted(PROBLEM_SCRATCH);
  store<u32>(scratch, len); // frame it in our own scratch, before taking the lock
  store<u32>(scratch + 4, ~len);
  const lock = acquire();
  if (lock != OK) return lock;
  const status = putLocked(scratch, size, 1, room);
  release();
  return status;
}

/** Puts `n` records already framed back to back in the scratch (`bytes` in all), all or
 * none. The frames are checked before the lock is taken. */
export function putBatch(scratch: u32, bytes: u32, n: u32): i32 {
  if (n == 0) return OK;
  const room = scratchRoom(scratch, <u64>bytes);
  if (room == 0) return corrupted(PROBLEM_SCRATCH);
  let at: u64 = 0;
  for (let i: u32 = 0; i < n; i++) { // no lock held yet: this loop may be interrupted
    if (at + FRAME_HEADER > <u64>bytes) return corrupted(PROBLEM_BATCH);
    const len = load<u32>(scratch + <u32>at);
    if (load<u32>(scratch + <u32>at + 4) != ~len) return corrupted(PROBLEM_BATCH);
    at += frameSize(len);
  }
  if (at != <u64>bytes) return corrupted(PROBLEM_BATCH);
  const lock = acquire();
  if (lock != OK) return lock;
  const status = putLocked(scratch, <u64>bytes, n, room);
  release();
  return status;
}

// @ts-ignore: decorator
@inline function putLocked(src: u32, size: u64, n: u32, room: u64): i32 {
  const broken = headerProblem();
  if (broken != 0) return corrupted(broken);
  if (load<u32>(STATE) != STATE_OPEN) return SHUT_DOWN;
  const limit = load<u32>(MAXSIZE);
  if (limit != 0 && n > limit) return TOO_MANY;
  if (size > maxRingCap()) return TOO_BIG;
  const count = ringCount;
  if (limit != 0 && <u64>count + <u64>n > <u64>limit) return FULL; // keeps I4
  let status = OK;
  if (<u64>ringCap - <u64>ringUsed < size) {
    status = growRing(size, src, room);
    if (status != OK && status != ADOPTED) return status;
  }
  const ring = ringAt;
  const cap = ringCap;
  const used = ringUsed;
  if (status == OK) copyIn(ring, cap, (ringHead + used) & (cap - 1), src, <u32>size);
  store<u32>(USED, used + <u32>size); // keeps I3 with COUNT below, both under the lock
  store<u32>(COUNT, count + n);
  // A plain store, published by the release (an atomic one, a locked instruction on x86,
  // waits for the ring's stores to drain: S1 2.2 to 1.8 M/s when it was one).
  store<u64>(TASKS_PUT, load<u64>(TASKS_PUT) + <u64>n);
  announce(PUT_EPOCH, GET_WAITERS); // keeps I6
  return status;
}

/**
 * Takes up to `max` records (at least one) into the scratch, as frames back to back, and
 * returns how many; takenBytes() tells their total size.
 *
 * For max > 1 the frames are first walked without the lock (racy reads, bounded by the
 * snapshot), then taken under the lock only if TAKEN and RING_GEN are unchanged (I5):
 * then no other thread consumed or moved those bytes, and producers write only past
 * HEAD + USED, so what was walked is what is taken. A stale walk is retried; the last
 * attempt takes the oldest record alone, read under the lock.
 */
export function take(scratch: u32, max: u32): i32 {
  const room = scratchRoom(scratch, 0);
  if (max == 0 || room == 0) return corrupted(PROBLEM_SCRATCH);
  let status = RETRY;
  for (let attempt = 1; status == RETRY; attempt++) { // each pass releases the lock first
    let walked: u32 = 0;
    let walkedBytes: u64 = 0;
    const taken0 = atomic.load<u64>(TAKEN);
    const gen0 = atomic.load<u32>(RING_GEN);
    if (max > 1) {
      const ring = atomic.load<u32>(RING);
      const cap = atomic.load<u32>(RING_CAP);
      const head = atomic.load<u32>(HEAD);
      const used = <u64>atomic.load<u32>(USED);
      if (popcnt<u32>(cap) == 1 && cap >= FRAME_ALIGN && (head & 7) == 0 && head < cap &&
          ring >= HEAP_START && <u64>ring + <u64>cap <= memoryBytes() && used <= <u64>cap) {
        while (walked < max && walkedBytes < used) {
          const at = ring + <u32>((<u64>head + walkedBytes) & <u64>(cap - 1));
          const len = load<u32>(at);
          if (load<u32>(at + 4) != ~len) break;
          const size = frameSize(len);
          if (walkedBytes + size > used || walkedBytes + size > room) break;
          walkedBytes += size;
          walked++;
        }
      }
    }
    const lock = acquire();
    if (lock != OK) return lock;
    status = takeLocked(scratch, room, walked, walkedBytes, taken0, gen0,
      attempt >= WALK_ATTEMPTS);
    release();
  }
  return status;
}

// @ts-ignore: decorator
@inline function takeLocked(
  scratch: u32, room: u64, walked: u32, walkedBytes: u64, taken0: u64, gen0: u32,
  lastAttempt: bool,
): i32 {
  const broken = headerProblem();
  if (broken != 0) return corrupted(broken);
  const count = ringCount;
  if (count == 0) return load<u32>(STATE) == STATE_SHUT_DOWN ? SHUT_DOWN : EMPTY;
  const ring = ringAt;
  const cap = ringCap;
  const head = ringHead;
  const used = ringUsed;
  const taken = load<u64>(TAKEN);
  let n = walked;
  let bytes = walkedBytes;
  const fresh = taken == taken0 && load<u32>(RING_GEN) == gen0; // I5
  if (n == 0 || !fresh || n > count || bytes > <u64>used) {
    if (n != 0 && !lastAttempt) return RETRY;
    const len = load<u32>(ring + head);
    if (load<u32>(ring + head + 4) != ~len) return corrupted(PROBLEM_FRAME); // I3 broken
    bytes = frameSize(len);
    if (bytes > <u64>used) return corrupted(PROBLEM_FRAME);
    if (bytes > room) return NEED_SCRATCH;
    n = 1;
  }
  copyOut(scratch, ring, cap, head, <u32>bytes);
  store<u32>(HEAD, (head + <u32>bytes) & (cap - 1));
  store<u32>(USED, used - <u32>bytes);
  store<u32>(COUNT, count - n);
  store<u64>(TAKEN, taken + <u64>n); // keeps I5
  announce(GET_EPOCH, PUT_WAITERS); // keeps I6
  tasksPutSeen = load<u64>(TASKS_PUT); // for the taskDone() that follows (see "Tasks")
  outBytes = <u32>bytes;
  return <i32>n;
}

// ---- Records larger than the scratch ----------------------------------------------------
//
// A consumer must be able to take the oldest record whatever the heap holds. A scratch
// block large enough for it may not be there to allocate: other handles' scratch blocks
// may hold the rest of MAX_PAGES, for instance those of producers waiting for room in the
// ring, and waiting for one of them would wait forever, as they wait for this consumer.
// So a record larger than the caller's scratch is read straight out of the ring: peek()
// notes, under the lock, where the oldest record lies and the TAKEN and RING_GEN it saw;
// the caller copies the bytes out without the lock; drop() then takes the record, under
// the lock, only if TAKEN and RING_GEN are still what peek() saw (I5): then no thread took,
// discarded or moved a record in between, and producers write only past HEAD + USED, so
// the bytes the caller copied were that record's, whole. Otherwise drop() answers STALE
// and changes nothing. A kill between the two calls takes nothing.

/** Notes the oldest record in the caller's scratch (layout.ts draws the note) and returns
 * its payload length, or EMPTY, SHUT_DOWN, BUSY or CORRUPTED. */
export function peek(scratch: u32): i32 {
  if (scratchRoom(scratch, NOTE_BYTES) == 0) return corrupted(PROBLEM_SCRATCH);
  const lock = acquire();
  if (lock != OK) return lock;
  const status = peekLocked(scratch);
  release();
  return status;
}

// @ts-ignore: decorator
@inline function peekLocked(scratch: u32): i32 {
  const broken = headerProblem();
  if (broken != 0) return corrupted(broken);
  if (ringCount == 0) return load<u32>(STATE) == STATE_SHUT_DOWN ? SHUT_DOWN : EMPTY;
  const ring = ringAt; // the checked values (see "Scribbled memory")
  const cap = ringCap;
  const head = ringHead;
  const len = load<u32>(ring + head);
  if (load<u32>(ring + head + 4) != ~len) return corrupted(PROBLEM_FRAME); // I3 broken
  if (frameSize(len) > <u64>ringUsed) return corrupted(PROBLEM_FRAME);
  const from = (head + FRAME_HEADER) & (cap - 1); // a frame's header never straddles the end
  const first = min<u32>(len, cap - from);
  store<u32>(scratch + NOTE_FROM, ring + from);
  store<u32>(scratch + NOTE_FIRST, first);
  store<u32>(scratch + NOTE_RING, ring);
  store<u32>(scratch + NOTE_SECOND, len - first);
  store<u64>(scratch + NOTE_TAKEN, load<u64>(TAKEN));
  store<u32>(scratch + NOTE_GEN, load<u32>(RING_GEN));
  store<u32>(scratch + NOTE_LEN, len);
  return <i32>len; // a frame fits in the ring, and the ring in 2^31 bytes (maxRingCap)
}

/** Takes the record the last peek() on this scratch noted, if it is still the oldest:
 * answers 1, or STALE (nothing changed), BUSY or CORRUPTED. The caller passes the places it
 * copied the record from (the note's from, first, ring and second, as it read them): they are
 * checked against the record under the lock, so a note written over between peek() and
 * the copy cannot pass off bytes from elsewhere as the record. */
export function drop(scratch: u32, from: u32, first: u32, ring: u32, second: u32): i32 {
  if (scratchRoom(scratch, NOTE_BYTES) == 0) return corrupted(PROBLEM_SCRATCH);
  const taken0 = load<u64>(scratch + NOTE_TAKEN);
  const gen0 = load<u32>(scratch + NOTE_GEN);
  const len0 = load<u32>(scratch + NOTE_LEN);
  const lock = acquire();
  if (lock != OK) return lock;
  const status = dropLocked(taken0, gen0, len0, from, first, ring, second);
  release();
  return status;
}

// @ts-ignore: decorator
@inline function dropLocked(
  taken0: u64, gen0: u32, len0: u32, from: u32, first: u32, copiedRing: u32, second: u32,
): i32 {
  const broken = headerProblem();
  if (broken != 0) return corrupted(broken);
  const taken = load<u64>(TAKEN);
  const count = ringCount; // the checked values (see "Scribbled memory")
  if (taken != taken0 || load<u32>(RING_GEN) != gen0 || count == 0) return STALE; // I5
  const ring = ringAt;
  const cap = ringCap;
  const head = ringHead;
  const used = ringUsed;
  const len = load<u32>(ring + head);
  if (load<u32>(ring + head + 4) != ~len) return corrupted(PROBLEM_FRAME);
  if (len != len0) return corrupted(PROBLEM_SCRATCH); // the note was written over
  const at = (head + FRAME_HEADER) & (cap - 1);
  const firstPart = min<u32>(len, cap - at);
  if (from != ring + at || first != firstPart || copiedRing != ring || second != len - firstPart) {
    return corrupted(PROBLEM_SCRATCH); // the caller did not copy this record
  }
  const bytes = frameSize(len);
  if (bytes > <u64>used) return corrupted(PROBLEM_FRAME);
  store<u32>(HEAD, (head + <u32>bytes) & (cap - 1));
  store<u32>(USED, used - <u32>bytes);
  store<u32>(COUNT, count - 1);
  store<u64>(TAKEN, taken + 1); // keeps I5
  announce(GET_EPOCH, PUT_WAITERS); // keeps I6
  tasksPutSeen = load<u64>(TASKS_PUT);
  return 1;
}

// ---- Tasks ------------------------------------------------------------------------------
//
// Python's count of unfinished tasks is kept as two counters that only rise (I9):
// TASKS_PUT, which a put raises under the lock (line 1, sealed), and TASKS_DONE, which
// taskDone() raises by one with a compare-exchange and without the lock (line 4, alone).
// Why: a consumer calls get() and taskDone() once per item; when taskDone() took the lock,
// line 1 moved to the consumer's core twice per item, and S2 (bench/run.mjs) moved about
// 2.2 M items/s against 3.0 M/s now (bench/README.md).
//
// taskDone() must not count a task that was never put: it raises TASKS_DONE from d only if
// d + 1 <= p for a value p that TASKS_PUT held, which it never falls below. p is this
// thread's tasksPutSeen, which every take refreshes under the lock (a consumer's taskDone()
// follows its get(), so it seldom reads line 1 at all), and which taskDone() re-reads from
// TASKS_PUT before it answers NONE_UNFINISHED.
//
// shutdown(immediate) counts the records it discards as done, as Python does (unfinished
// falls by min(unfinished, discarded)): under the lock, where TASKS_PUT cannot change, it
// adds the count to TASKS_DONE with one atomic add, and if that passed TASKS_PUT it stores
// TASKS_PUT there (no loop under the lock: "Kill safety"). A taskDone() that reads
// TASKS_DONE between the two finds it >= TASKS_PUT and answers NONE_UNFINISHED, without a
// write: it comes after the shutdown, which left no task unfinished. One that read it
// before the add fails its compare-exchange and reads again.
//
// Damage: TASKS_DONE is not sealed (the seal is for the words the lock guards), so it
// guards itself. It holds the count plus one, times DONE_FACTOR, mod 2^64 (an arithmetic
// code, as the frames' ~len words are a code for their lengths; plus one, so that a zeroed
// word is damage too): every count below DONE_LIMIT has one such word, and a word that
// decodes (times DONE_INVERSE, minus one) to DONE_LIMIT or more is damage. init() writes
// the code of 0. A random write is caught but once in 2^16; one that adds or subtracts
// less than 2^14 to either half of the word, always (test/core_test.ts checks both
// constants for it). A task is counted by adding DONE_FACTOR to the word, so a count that
// was coded stays coded, and shutdown() adds many with one atomic add. Counts above
// DONE_LIMIT are the price: a queue counts fewer than 2^48 tasks in its life (eight years
// at a million a second); past that, calls answer CORRUPTED.
//
// Joiners (the waiting argument above, with the lock's part taken by sequentially
// consistent atomics, the Dekker pattern): the taskDone() whose compare-exchange raised
// TASKS_DONE to d + 1 re-reads TASKS_PUT, and if it is d + 1 (it did the last task) bumps
// DONE_EPOCH and then reads JOIN_WAITERS. A joiner adds itself to JOIN_WAITERS, reads
// DONE_EPOCH, then reads TASKS_DONE (in unfinishedTasks(), under the lock). If that read
// comes after the last taskDone's compare-exchange, the joiner sees no task unfinished. If it
// comes before, so did the joiner's increment and its read of the epoch, and the taskDone
// reads a non-zero count after its bump, and notifies. The last taskDone's re-read does see
// d + 1: a put after its compare-exchange would leave a task for a later taskDone.
// Every epoch bump outside the lock is an atomic add, so none is lost to a locked one.
//
// Kill safety: the loop retries only a compare-exchange that failed; from the one that
// succeeds to the notify there is no call and no branch back (test/kill_test.ts checks the
// compiled taskDone), so a kill lands before the task is counted or after the joiners are
// woken.

// The value of TASKS_PUT this thread last read (see "Tasks"; per thread, and per queue, as
// each queue has an instance of its own).
let tasksPutSeen: u64 = 0;

export const DONE_FACTOR: u64 = 0x50a7_4cff_026f_4c85; // odd: invertible mod 2^64
// DONE_FACTOR * DONE_INVERSE == 1 (mod 2^64):
export const DONE_INVERSE: u64 = 0x7b82_716e_f11c_cc4d;
export const DONE_LIMIT: u64 = <u64>1 << 48;

/** Marks one task done; if it was the last, wakes the joiners. No lock (see "Tasks"). */
export function taskDone(): i32 {
  let word: u64 = 0;
  let done: u64 = 0;
  let put: u64 = 0;
  let seen: u64 = 0;
  do {
    word = atomic.load<u64>(TASKS_DONE);
    done = word * DONE_INVERSE - 1;
    if (done >= DONE_LIMIT) return corrupted(PROBLEM_TASKS);
    put = tasksPutSeen;
    if (done >= put) {
      put = atomic.load<u64>(TASKS_PUT);
      tasksPutSeen = put;
      // (A damaged TASKS_DONE above TASKS_PUT lands here too: unfinishedTasks() says CORRUPTED.)
      if (done >= put) return NONE_UNFINISHED;
    }
    seen = atomic.cmpxchg<u64>(TASKS_DONE, word, word + DONE_FACTOR);
  } while (seen != word);
  if (done + 1 == put && atomic.load<u64>(TASKS_PUT) == done + 1) {
    atomic.add<i32>(DONE_EPOCH, 1);
    if (atomic.load<i32>(JOIN_WAITERS) != 0) {
      atomic.notify(DONE_EPOCH, -1);
      notifyCount++;
    }
  }
  return OK;
}

/** Python 3.13's shutdown: refuse puts from now on; with `immediate`, also discard the
 * queued records and count each as done. Wakes every waiter. */
export function shutdown(immediate: bool): i32 {
  const lock = acquire();
  if (lock != OK) return lock;
  const broken = headerProblem();
  if (broken != 0) { release(); return corrupted(broken); }
  atomic.store<u32>(STATE, STATE_SHUT_DOWN);
  if (immediate) {
    const count = ringCount;
    atomic.store<u64>(TAKEN, load<u64>(TAKEN) + <u64>count); // keeps I5
    // Discard by moving HEAD to the tail: on an empty ring HEAD stays put (I5).
    atomic.store<u32>(HEAD, (ringHead + ringUsed) & (ringCap - 1));
    atomic.store<u32>(USED, 0);
    atomic.store<u32>(COUNT, 0);
    // Counts the discarded as done, as far as they are unfinished (see "Tasks"; keeps I9).
    const put = load<u64>(TASKS_PUT);
    const before = atomic.add<u64>(TASKS_DONE, <u64>count * DONE_FACTOR) * DONE_INVERSE - 1;
    if (before < DONE_LIMIT && before + <u64>count > put) {
      atomic.store<u64>(TASKS_DONE, (put + 1) * DONE_FACTOR); // the code of `put` done
    }
  }
  atomic.add<i32>(PUT_EPOCH, 1); // every waiter re-checks: getters see SHUT_DOWN or items,
  atomic.add<i32>(GET_EPOCH, 1); // putters see SHUT_DOWN, joiners re-read the tasks
  atomic.add<i32>(DONE_EPOCH, 1);
  release();
  atomic.notify(PUT_EPOCH, -1); // after the release, as I6 says
  atomic.notify(GET_EPOCH, -1);
  atomic.notify(DONE_EPOCH, -1);
  notifyCount += 3;
  return OK;
}

/** Records queued now (a snapshot: stale as soon as it returns), or a status < 0. */
export function qsize(): i32 {
  const lock = acquire();
  if (lock != OK) return lock;
  const broken = headerProblem();
  const status = broken == 0 ? <i32>ringCount : corrupted(broken);
  release();
  return status;
}

/** Unfinished tasks now (a snapshot), or a status < 0. */
export function unfinishedTasks(): f64 {
  const lock = acquire();
  if (lock != OK) return <f64>lock;
  const broken = headerProblem();
  let value: f64;
  if (broken != 0) {
    value = <f64>corrupted(broken);
  } else {
    const put = load<u64>(TASKS_PUT); // fixed while the lock is held
    const done = atomic.load<u64>(TASKS_DONE) * DONE_INVERSE - 1; // see "Tasks", Damage
    // I9; a count past DONE_LIMIT is above TASKS_PUT too, which stays below 2^48.
    value = done <= put ? <f64>(put - done) : <f64>corrupted(PROBLEM_TASKS);
  }
  release();
  return value;
}

/** 1 when shut down, 0 when open, or a status < 0. */
export function isShutDown(): i32 {
  const lock = acquire();
  if (lock != OK) return lock;
  const broken = headerProblem();
  const status = broken == 0 ? <i32>(load<u32>(STATE) == STATE_SHUT_DOWN) : corrupted(broken);
  release();
  return status;
}
