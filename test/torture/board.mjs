// The torture test's shared bookkeeping: one SharedArrayBuffer "board" per queue, where
// every worker writes what it has done, word by word, with Atomics; what a killed worker
// wrote before it died stays readable. Plus a log of every item got, written by the
// consumers. The main thread reads both to decide, at the end, whether anything was lost,
// duplicated, reordered or torn.
//
// Global words:
export const STOP = 0; // set: producers finish their current call and stop
export const PRODUCED = 1; // items reserved by producers (each reserves before it builds)
export const CURSOR = 2; // log entries reserved by consumers
export const LIMIT = 3; // producers stop reserving past this many items (the log's size)
export const GLOBALS = 8;

// Per worker slot, SLOT_WORDS words from GLOBALS + slot * SLOT_WORDS:
export const ROLE = 0; // PRODUCER or CONSUMER, written by the main thread
export const PHASE = 1; // what the worker is doing now (the P_ codes below)
export const BEAT = 2; // bumped at each step: stops moving when the worker is gone
export const FINISHED = 3; // 1 when the worker ended normally
export const ATTEMPTING = 4; // producer: seqs below this were handed to a put call
export const COMMITTED = 5; // producer: seqs below this are in the queue (the put returned)
export const HOLDING = 6; // consumer: items it may hold that are not logged yet (<= batch)
export const LOGGED = 7; // consumer: items it got and logged
export const DONE = 8; // consumer: taskDone() calls that returned
export const IN_TASK_DONE = 9; // consumer: 1 while a taskDone() call is under way
export const BAD = 10; // consumer: items whose content was wrong
export const STARTED = 11; // 1 once attached and running
export const GOT_LARGE = 12; // consumer: items of LARGE bytes or more it got whole
export const SLOT_WORDS = 16;

export const PRODUCER = 1;
export const CONSUMER = 2;

// Phases: what a worker was doing when it was killed.
export const P_START = 0;
export const P_PUT = 1; // put() / put() with a timeout, of a small or medium item
export const P_PUT_LARGE = 2; // put() or putMany() with an item of 256 KiB or more
export const P_PUT_MANY = 3; // putMany() of small and medium items
export const P_PUT_ASYNC = 4;
export const P_GET = 5;
export const P_GET_MANY = 6;
export const P_GET_ASYNC = 7;
export const P_CHECK = 8; // checking and logging what it got
export const P_TASK_DONE = 9;
export const P_YIELD = 10; // back on its event loop between calls
export const P_IDLE = 11; // producer past LIMIT, waiting for STOP
export const P_BUILD = 12; // producer building its next items
export const PHASE_NAMES = [
  "start", "put", "put-large", "putMany", "putAsync", "get", "getMany", "getAsync", "check",
  "taskDone", "yield", "idle", "build",
];

export const LARGE = 256 << 10;

/** A log entry: two Int32 words, (producer + 1) | slot << 16, and seq. 0 = not written. */
export const packEntry = (producer, slot) => (producer + 1) | (slot << 16);
export const entryProducer = (word) => (word & 0xffff) - 1;
export const entrySlot = (word) => word >>> 16;
export const MAX_SLOTS = 0x7fff;
export const MAX_PRODUCERS = 0xfffe;

/** A view of one slot's words. */
export function slotView(board, slot) {
  const base = GLOBALS + slot * SLOT_WORDS;
  return {
    get: (field) => Atomics.load(board, base + field),
    set: (field, value) => Atomics.store(board, base + field, value),
    add: (field, value) => Atomics.add(board, base + field, value),
  };
}

export function newBoard(slots, limit) {
  if (slots > MAX_SLOTS) throw new RangeError(`at most ${MAX_SLOTS} worker slots per queue`);
  const board = new Int32Array(new SharedArrayBuffer(4 * (GLOBALS + slots * SLOT_WORDS)));
  board[LIMIT] = limit;
  const log = new Int32Array(new SharedArrayBuffer(8 * limit));
  return { board, log };
}
