// The memory map of a joinable-queue: every shared word, its offset and its meaning.
//
// The whole WebAssembly.Memory belongs to one queue. Every thread instantiates the same
// module over it; module globals are therefore per thread, and everything shared lives
// at the addresses below. The bindings never hard-code an offset: index.ts exports the
// ones they need (the futex words and waiter counts) and the frame constants.
//
// The header is laid out by cache line (64 bytes), because what costs most when two
// threads share a queue is the transfer of a line from one core to the other. Line 1 holds
// every word a locked section writes (the lock, the ring's counters, the tasks put, the
// seal, the epochs), so that a put or a take moves that one line; line 0 holds the words
// every operation reads but that change rarely (identity, limits, where the ring is), which
// every core can keep a shared copy of. (Layout 2 spread the written words over three
// lines: S2 of bench/run.mjs, put in one thread and get + taskDone in another, moved
// 1.22 M items/s then against 1.93 M/s with layout 3 and the lock read before it is taken,
// measured side by side.) Line 4 holds TASKS_DONE alone: taskDone() writes it without the
// lock (queue.ts, "Tasks"), and a consumer's get and taskDone then move line 1 once per
// item instead of twice (layout 4: S2 about 2.2 to 3.0 M/s, bench/README.md).
//
//   0        4        8        12       16       20       24       28       32
//   +--------+--------+--------+--------+--------+--------+--------+--------+
//   | MAGIC  |VERSION |MAXSIZE |MAXPAGES|CODEC_TG| RING   |RING_CAP|HEAP_TOP|   0  line 0:
//   +--------+--------+--------+--------+--------+--------+--------+--------+      read by all,
//   |RING_GEN|FREE_MAP| (reserved: 24 bytes)                               |  32  written rarely
//   +--------+--------+--------+--------+--------+--------+--------+--------+
//   | LOCK   | STATE  | COUNT  | HEAD   | USED   | SEAL   |   TASKS_PUT     |  64  line 1:
//   +--------+--------+--------+--------+--------+--------+-----------------+      written by
//   |     TAKEN       |PUT_EPO |GET_EPO |DONE_EP |GET_WAIT|PUT_WAIT|JOIN_WAI|  96  every operation
//   +-----------------+--------+--------+--------+--------+--------+--------+
//   | FREE_HEAD[0..31]: first free block of each size class (128 bytes)      | 128  lines 2-3
//   +-----------------+------------------------------------------------------+
//   |   TASKS_DONE    | (reserved: 56 bytes)                                 | 256  line 4
//   +-----------------+------------------------------------------------------+
//   | heap: blocks, bump-allocated upward from HEAP_START to HEAP_TOP        | 320
//   |   one block is the ring; the others are per-handle scratch areas       |
//   +------------------------------------------------------------------------+
//   (each cell above is 4 bytes; TASKS_PUT, TASKS_DONE and TAKEN are 8)
//
// A block is an 8-byte header followed by 2^class bytes:
//   +----------+----------+------------------------------+
//   | class    | tag      | payload (2^class bytes)      |   tag: BLOCK_USED / BLOCK_FREE
//   +----------+----------+------------------------------+   / BLOCK_RING; a free block's
//                                                            first word links the next
// The ring's block alone is tagged BLOCK_RING, so a RING word scribbled to point at another
// used block (a handle's scratch, of the same class) is told apart.
//
// The ring is one block used as a circular byte buffer of RING_CAP = 2^class bytes.
// It holds COUNT records, USED bytes in all, starting at offset HEAD (wrapping at
// RING_CAP). A record is a frame: two u32 words and the payload, padded to 8 bytes:
//   +----------+----------+------------------------+-----+
//   | len      | ~len     | payload (len bytes)    | pad |   size = frameSize(len)
//   +----------+----------+------------------------+-----+
// The two length words let every reader check a frame before trusting it. Frames are
// 8-aligned and RING_CAP is a power of two >= 8, so a frame's header never straddles the
// end of the ring; its payload may, and is then copied in two pieces.

export const MAGIC_VALUE: u32 = 0x3151_4a4a; // "JJQ1" little-endian
export const LAYOUT_VERSION: u32 = 4; // 2: CODEC_TAG; 3: the header by cache line; 4: TASKS_DONE

// Header words (byte offsets). Line 0: read by every operation, written rarely.
export const MAGIC: u32 = 0;
export const VERSION: u32 = 4;
export const MAXSIZE: u32 = 8; // item limit, 0 = unbounded; written once by init (I7)
export const MAX_PAGES: u32 = 12; // memory ceiling in 64 KiB pages; written once by init (I7)
export const CODEC_TAG: u32 = 16; // hash of the codec's name; written once by init
export const RING: u32 = 20; // address of the ring's payload
export const RING_CAP: u32 = 24; // ring size in bytes, a power of two
export const HEAP_TOP: u32 = 28; // end of the last block ever allocated
export const RING_GEN: u32 = 32; // bumped each time the ring moves to a larger block
export const FREE_MAP: u32 = 36; // bit k set <=> FREE_HEAD[k] != 0
export const RESERVED: u32 = 40; // unused up to LOCK
// Line 1: written by every operation.
export const LOCK: u32 = 64; // 0 free, 1 held (see queue.ts, "The lock")
export const STATE: u32 = 68; // STATE_OPEN or STATE_SHUT_DOWN
export const COUNT: u32 = 72; // records in the ring
export const HEAD: u32 = 76; // ring offset of the oldest record
export const USED: u32 = 80; // bytes of the ring holding records
export const SEAL: u32 = 84; // hash of the words the lock guards, as the last holder left them
export const TASKS_PUT: u32 = 88; // u64: tasks ever put; only rises (unfinished: minus TASKS_DONE)
export const TAKEN: u32 = 96; // u64: records ever taken (or discarded); only rises
export const PUT_EPOCH: u32 = 104; // futex: bumped by each put and by shutdown
export const GET_EPOCH: u32 = 108; // futex: bumped by each take and by shutdown
export const DONE_EPOCH: u32 = 112; // futex: bumped when TASKS_DONE reaches TASKS_PUT
export const GET_WAITERS: u32 = 116; // threads about to wait on PUT_EPOCH
export const PUT_WAITERS: u32 = 120; // threads about to wait on GET_EPOCH
export const JOIN_WAITERS: u32 = 124; // threads about to wait on DONE_EPOCH
// Lines 2-3.
export const FREE_HEAD: u32 = 128; // u32[32]
// Line 4: written by taskDone() without the lock (queue.ts, "Tasks").
export const TASKS_DONE: u32 = 256; // u64: tasks ever done or discarded, coded (queue.ts, "Tasks")
export const RESERVED_DONE_LINE: u32 = 264; // unused up to HEAP_START: TASKS_DONE's line is its own
export const HEAP_START: u32 = 320;

export const STATE_OPEN: u32 = 0;
export const STATE_SHUT_DOWN: u32 = 1;

// Blocks.
export const BLOCK_HEADER: u32 = 8;
export const BLOCK_USED: u32 = 0xb10c_a11c;
export const BLOCK_FREE: u32 = 0xb10c_f4ee;
export const BLOCK_RING: u32 = 0xb10c_7199;
export const MIN_CLASS: u32 = 4;
export const MAX_CLASS: u32 = 31;

// Frames.
export const FRAME_HEADER: u32 = 8;
export const FRAME_ALIGN: u32 = 8;

// The note peek() leaves in the caller's scratch for a record too large to take through
// it (queue.ts, "Records larger than the scratch"); little-endian words:
//   0          4          8          12         16                  24         28
//   +----------+----------+----------+----------+-------------------+----------+----------+
//   | from     | first    | ring     | second   | TAKEN seen (u64)  | RING_GEN | len      |
//   +----------+----------+----------+----------+-------------------+----------+----------+
//   the payload is `first` bytes at `from`, then `second` bytes at `ring` (the ring's start)
export const NOTE_FROM: u32 = 0;
export const NOTE_FIRST: u32 = 4;
export const NOTE_RING: u32 = 8;
export const NOTE_SECOND: u32 = 12;
export const NOTE_TAKEN: u32 = 16;
export const NOTE_GEN: u32 = 24;
export const NOTE_LEN: u32 = 28;
export const NOTE_BYTES: u32 = 32;

export const PAGE_BYTES: u32 = 65536;
export const INITIAL_RING_CLASS: u32 = 14; // 16 KiB; the ring doubles from here on demand

/** Bytes a record of `len` payload bytes takes in the ring (header + payload + pad). */
// @ts-ignore: decorator
@inline export function frameSize(len: u32): u64 {
  return (<u64>len + <u64>(FRAME_HEADER + FRAME_ALIGN - 1)) & ~<u64>(FRAME_ALIGN - 1);
}
