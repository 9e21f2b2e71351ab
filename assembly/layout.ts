// The memory map of a joinable-queue: every shared word, its offset and its meaning.
//
// The whole WebAssembly.Memory belongs to one queue. Every thread instantiates the same
// module over it; module globals are therefore per thread, and everything shared lives
// at the addresses below. The bindings never hard-code an offset: index.ts exports the
// ones they need (the futex words and waiter counts) and the frame constants.
//
//   0        8        16       24       32       40       48       56       64
//   +--------+--------+--------+--------+--------+--------+--------+--------+
//   | MAGIC  |VERSION | LOCK   | STATE  |MAXSIZE |MAXPAGES| COUNT  | HEAD   |   0
//   +--------+--------+--------+--------+--------+--------+--------+--------+
//   | USED   | RING   |RING_CAP|HEAP_TOP|   UNFINISHED    |     TAKEN       |  32
//   +--------+--------+--------+--------+-----------------+-----------------+
//   |PUT_EPO |GET_EPO |DONE_EP |GET_WAIT|PUT_WAIT|JOIN_WAI|RING_GEN|FREE_MAP|  64
//   +--------+--------+--------+--------+--------+--------+--------+--------+
//   | FREE_HEAD[0..31]: first free block of each size class (128 bytes)      |  96
//   +------------------------------------------------------------------------+
//   |CODEC_TG| SEAL   | (reserved up to HEAP_START)                          | 224
//   +------------------------------------------------------------------------+
//   | heap: blocks, bump-allocated upward from HEAP_START to HEAP_TOP        | 256
//   |   one block is the ring; the others are per-handle scratch areas       |
//   +------------------------------------------------------------------------+
//   (each cell above is 4 bytes; UNFINISHED and TAKEN are 8)
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
export const LAYOUT_VERSION: u32 = 2; // 2: CODEC_TAG

// Header words (byte offsets).
export const MAGIC: u32 = 0;
export const VERSION: u32 = 4;
export const LOCK: u32 = 8; // 0 free, 1 held (see queue.ts, "The lock")
export const STATE: u32 = 12; // STATE_OPEN or STATE_SHUT_DOWN
export const MAXSIZE: u32 = 16; // item limit, 0 = unbounded; written once by init (I7)
export const MAX_PAGES: u32 = 20; // memory ceiling in 64 KiB pages; written once by init (I7)
export const COUNT: u32 = 24; // records in the ring
export const HEAD: u32 = 28; // ring offset of the oldest record
export const USED: u32 = 32; // bytes of the ring holding records
export const RING: u32 = 36; // address of the ring's payload
export const RING_CAP: u32 = 40; // ring size in bytes, a power of two
export const HEAP_TOP: u32 = 44; // end of the last block ever allocated
export const UNFINISHED: u32 = 48; // u64: tasks put and not yet marked done
export const TAKEN: u32 = 56; // u64: records ever taken (or discarded); only rises
export const PUT_EPOCH: u32 = 64; // futex: bumped by each put and by shutdown
export const GET_EPOCH: u32 = 68; // futex: bumped by each take and by shutdown
export const DONE_EPOCH: u32 = 72; // futex: bumped when UNFINISHED reaches 0
export const GET_WAITERS: u32 = 76; // threads about to wait on PUT_EPOCH
export const PUT_WAITERS: u32 = 80; // threads about to wait on GET_EPOCH
export const JOIN_WAITERS: u32 = 84; // threads about to wait on DONE_EPOCH
export const RING_GEN: u32 = 88; // bumped each time the ring moves to a larger block
export const FREE_MAP: u32 = 92; // bit k set <=> FREE_HEAD[k] != 0
export const FREE_HEAD: u32 = 96; // u32[32]
export const CODEC_TAG: u32 = 224; // hash of the codec's name; written once by init
export const SEAL: u32 = 228; // hash of the words the lock guards, as the last holder left them
export const HEAP_START: u32 = 256;

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
