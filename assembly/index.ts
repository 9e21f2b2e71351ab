// The core's exports: the operations of queue.ts and the few layout constants the
// bindings need (futex words, waiter counts, frame format, status codes). The bindings
// read every offset from here, never from a copy of their own.

export {
  OK, EMPTY, FULL, SHUT_DOWN, BUSY, CORRUPTED, TOO_BIG, NEED_SCRATCH, NONE_UNFINISHED,
  NO_MEMORY, TOO_MANY, BAD_MAGIC, BAD_VERSION, BAD_CODEC, STALE, ADOPTED,
  init, check, expectLimits, maxItemBytes, maxsize, maxPages, memoryPages, allocScratch,
  scratchStatus, scratchCapacity, freeScratch, put, putBatch, scratchAfterAdoption, take, takenBytes, peek, drop, notifies,
  taskDone, shutdown, qsize, unfinishedTasks, isShutDown, problem, setLockPause, lockPauseSteps,
  MAX_LOCK_PAUSE,
  PROBLEM_LOCK, PROBLEM_MAGIC, PROBLEM_VERSION, PROBLEM_STATE, PROBLEM_PAGES, PROBLEM_HEAP_TOP,
  PROBLEM_RING, PROBLEM_HEAD, PROBLEM_USED, PROBLEM_COUNT, PROBLEM_FREE_LIST, PROBLEM_FRAME,
  PROBLEM_SCRATCH, PROBLEM_BATCH, PROBLEM_MAXSIZE, PROBLEM_SEAL, PROBLEM_TASKS,
  DONE_FACTOR, DONE_INVERSE, DONE_LIMIT,
} from "./queue";

export {
  LAYOUT_VERSION, LOCK, PUT_EPOCH, GET_EPOCH, DONE_EPOCH, GET_WAITERS, PUT_WAITERS,
  JOIN_WAITERS, FRAME_HEADER, FRAME_ALIGN, NOTE_FROM, NOTE_FIRST, NOTE_RING, NOTE_SECOND,
  NOTE_BYTES,
} from "./layout";
