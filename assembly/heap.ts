// The block heap: power-of-two blocks carved from the shared memory, for the ring and for
// each handle's scratch area. Segregated free lists (one per size class) plus a bump
// pointer, with the non-empty classes kept in a bitmap so that finding a block is a
// count-trailing-zeros, not a search (the idea of TLSF's first level, without splitting
// or merging). Every function here runs with the lock held and contains no loop and no
// call that is not inlined: see "Kill safety" in queue.ts.
//
// Invariants (numbered after queue.ts's):
//   H1 FREE_MAP bit k is set exactly when FREE_HEAD[k] != 0.
//   H2 every block reachable from FREE_HEAD[k] is tagged BLOCK_FREE with class k, and its
//      first payload word links the next free block of that class (0 ends the list).
//   H3 HEAP_START <= every block < HEAP_TOP <= memory.size() * PAGE_BYTES.
//   H4 the memory only grows here, under the lock, so memory.size() is stable inside a
//      locked section.
//
// Bounds are checked against seenBytes, this thread's last reading of memory.size(), not
// against a fresh reading: on a shared memory, memory.size() is a call into the engine
// (it must see other threads' growth), measured at ~15 ns in V8, several times per
// operation. The memory only grows, so seenBytes is a lower bound of the true size: a
// check against it can refuse an address that a fresh reading would allow (the caller
// refreshes it first: syncMemorySize() in queue.ts), never allow one outside the memory.

import {
  BLOCK_FREE, BLOCK_HEADER, BLOCK_USED, FREE_HEAD, FREE_MAP, HEAP_START, HEAP_TOP,
  MAX_CLASS, MAX_PAGES, MIN_CLASS, PAGE_BYTES,
} from "./layout";

/** The size class whose blocks hold `size` bytes: ceil(log2(size)), at least MIN_CLASS. */
// @ts-ignore: decorator
@inline export function classFor(size: u64): u32 {
  if (size <= (<u64>1 << MIN_CLASS)) return MIN_CLASS;
  return <u32>(64 - clz<u64>(size - 1));
}

// @ts-ignore: decorator
@inline export function memoryBytes(): u64 {
  return seenBytes;
}

let seenBytes: u64 = 0; // per thread; see above

/** Reads memory.size() afresh into seenBytes and returns it. */
// @ts-ignore: decorator
@inline export function refreshMemoryBytes(): u64 {
  seenBytes = <u64>memory.size() << 16;
  return seenBytes;
}

/** True when `ptr` could be the payload of a block wholly inside the heap, whose top is
 * `top`: the caller's one load of HEAP_TOP. (Without the lock, HEAP_TOP may rise between
 * two loads, past the memory size this thread synced to the first: a second load here
 * once made a sound scratch block look damaged while another thread grew the ring.) */
// @ts-ignore: decorator
@inline export function isBlockPtr(ptr: u32, klass: u32, top: u64): bool {
  return ptr >= HEAP_START + BLOCK_HEADER && (ptr & 7) == 0 && klass >= MIN_CLASS &&
    klass <= MAX_CLASS && <u64>ptr + (<u64>1 << klass) <= top && top <= memoryBytes();
}

// Why alloc() may fail, for the caller to report.
export const ALLOC_OK: i32 = 0;
export const ALLOC_NO_MEMORY: i32 = 1;
export const ALLOC_CORRUPTED: i32 = 2;
let allocStatus: i32 = ALLOC_OK; // per thread (module globals are not shared)
let allocClass: u32 = 0;

// @ts-ignore: decorator
@inline export function lastAllocStatus(): i32 {
  return allocStatus;
}

/** The size class of the block the last successful alloc() returned, as alloc() checked
 * it: a caller uses this, not a second load of the block's header (see "Scribbled memory"
 * in queue.ts). */
// @ts-ignore: decorator
@inline export function lastAllocClass(): u32 {
  return allocClass;
}

/**
 * A block of class classFor(size) or larger, or 0 (see lastAllocStatus()). Reuses the
 * smallest non-empty free class that is large enough, else bumps HEAP_TOP, growing the
 * memory up to MAX_PAGES. Lock held. Keeps H1-H4.
 */
// @ts-ignore: decorator
@inline export function alloc(size: u64): u32 {
  const want = classFor(size);
  if (want > MAX_CLASS) { allocStatus = ALLOC_NO_MEMORY; return 0; }
  const fit = load<u32>(FREE_MAP) & (<u32>-1 << want);
  if (fit != 0) {
    const klass = ctz<u32>(fit);
    const slot = FREE_HEAD + (klass << 2);
    const block = load<u32>(slot);
    if (!isBlockPtr(block, klass, <u64>load<u32>(HEAP_TOP)) ||
        load<u32>(block - BLOCK_HEADER) != klass ||
        load<u32>(block - BLOCK_HEADER + 4) != BLOCK_FREE) {
      allocStatus = ALLOC_CORRUPTED; return 0;
    }
    const next = load<u32>(block);
    if (next != 0 && !isBlockPtr(next, klass, <u64>load<u32>(HEAP_TOP))) { allocStatus = ALLOC_CORRUPTED; return 0; }
    store<u32>(slot, next);
    if (next == 0) store<u32>(FREE_MAP, load<u32>(FREE_MAP) & ~(<u32>1 << klass)); // keeps H1
    store<u32>(block - BLOCK_HEADER + 4, BLOCK_USED);
    allocStatus = ALLOC_OK;
    allocClass = klass;
    return block;
  }
  const top = <u64>load<u32>(HEAP_TOP);
  if (top < <u64>HEAP_START) { allocStatus = ALLOC_CORRUPTED; return 0; } // keeps H3
  const end = top + <u64>BLOCK_HEADER + (<u64>1 << want);
  const have = refreshMemoryBytes();
  if (end > have) {
    const pages = <i32>((end - have + <u64>(PAGE_BYTES - 1)) >> 16);
    if (<u64>memory.size() + <u64>pages > <u64>load<u32>(MAX_PAGES) ||
        memory.grow(pages) < 0) {
      allocStatus = ALLOC_NO_MEMORY; return 0;
    }
    refreshMemoryBytes();
  }
  const block = <u32>top + BLOCK_HEADER;
  store<u32>(<u32>top, want);
  store<u32>(<u32>top + 4, BLOCK_USED);
  store<u32>(HEAP_TOP, <u32>end); // keeps H3: the block is wholly below the new top
  allocStatus = ALLOC_OK;
  allocClass = want;
  return block;
}

/** Returns a block to its class's free list. False if `block` is not a used block. */
// @ts-ignore: decorator
@inline export function free(block: u32): bool {
  if (block < HEAP_START + BLOCK_HEADER || <u64>block > memoryBytes()) return false;
  const klass = load<u32>(block - BLOCK_HEADER);
  if (!isBlockPtr(block, klass, <u64>load<u32>(HEAP_TOP)) || load<u32>(block - BLOCK_HEADER + 4) != BLOCK_USED) {
    return false;
  }
  const slot = FREE_HEAD + (klass << 2);
  store<u32>(block, load<u32>(slot)); // keeps H2
  store<u32>(block - BLOCK_HEADER + 4, BLOCK_FREE);
  store<u32>(slot, block);
  store<u32>(FREE_MAP, load<u32>(FREE_MAP) | (<u32>1 << klass)); // keeps H1
  return true;
}

/** The payload size of a used block (its class's size). */
// @ts-ignore: decorator
@inline export function blockSize(block: u32): u64 {
  return <u64>1 << load<u32>(block - BLOCK_HEADER);
}
