/*
 * A Promela model of joinable-queue's concurrency protocol, checked with spin
 * (`npm run model`; model/README.md says what is modelled, what is left out, and why).
 *
 *   assembly/queue.ts   the spin lock; put/putLocked with growRing; take/takeLocked with the
 *                       lock-free walk validated by TAKEN and RING_GEN; shutdown;
 *                       unfinishedTasks; announce (bump the epoch and read the waiter count
 *                       under the lock; if it is non-zero, notify after the release);
 *                       the task counters: TASKS_PUT, raised by a put under the lock, and
 *                       TASKS_DONE, raised by taskDone without the lock (compare-exchange
 *                       against the thread's putSeen, announced by an atomic bump of the
 *                       epoch and a notify right away) and by shutdown(immediate) under the
 *                       lock (an atomic add, then a clamp to TASKS_PUT); unfinished is
 *                       TASKS_PUT - TASKS_DONE.
 *   bindings/wait.ts    waitSync: try; add to the waiter count; read the epoch; try again;
 *                       Atomics.wait(epoch, seen); leave the waiter count; loop.
 *   bindings/joinable_queue.ts  put/get/getMany/join/taskDone as waitSync over those calls.
 *
 * Atomics.wait/notify are futexes: a wait sleeps only if the word still holds the value it
 * was given (checked and enqueued in one step); a notify wakes every sleeper on the word.
 *
 * The ring holds units (one unit = FRAME_ALIGN = 8 bytes): a record is a header unit
 * HDR(tag, size) and, for a two-unit record, a payload unit PAYLOAD(tag). Each item is
 * tagged with its producer and sequence number, so the checks are about data moved through
 * the ring's indices, wrap-around and growth, not about counters agreeing with each other.
 *
 * Configuration (cpp -D; scripts/model.mjs runs the set):
 *   NITEMS    items producer 0 puts (NITEMS + NITEMS1 <= 4)    MAXSIZE  item limit, 0 = none
 *   LIMIT     largest ring in units (the byte ceiling)         VARSIZE  records of 1 and 2 units
 *   WALK      consumer 0 calls getMany(2): the lock-free walk  JOIN_EARLY  join() from the start
 *   NITEMS1   items producer 1 puts (default NITEMS)           NO_JOINER   nobody calls join()
 *   SHUTDOWN  1: a thread calls shutdown() at any moment; 2: shutdown(immediate = true)
 *   STRAY_DONE  that thread first calls taskDone() once for no item it took (Python allows
 *             it while a task is unfinished): then fewer tasks than items queued can be
 *             unfinished, and shutdown(immediate)'s clamp matters
 *   FINE      every step as the code takes it; see "Steps" below
 * Deliberately broken variants, each of which spin must reject: BROKEN_EPOCH_AFTER_RETRY,
 * BROKEN_UNREGISTER_BEFORE_WAIT, BROKEN_DONE_OFF_BY_ONE, BROKEN_JOIN_ON_EMPTY,
 * BROKEN_TAKEN_BEFORE_HEAD, BROKEN_SHUTDOWN_FORGETS_PUTTERS, BROKEN_DONE_NOT_ATOMIC,
 * BROKEN_SHUTDOWN_NO_CLAMP. A variant that looks broken
 * and is not, because every waiter re-checks under the lock: NOTIFY_BEFORE_PUBLISH.
 *
 * Steps. A thread's step is one Promela statement or d_step; other threads interleave only
 * between steps. With FINE, the steps are the code's: a critical section is one step from
 * the acquire through the epoch bump (the writes before the bump are seen by nobody without
 * the lock), one for the read of the waiter count with the release, one for the notify; with
 * WALK, the stores the walk reads without the lock are steps of their own, in the code's
 * order (model/README.md names the two it joins). Without FINE, two reductions shrink the state space; model/README.md argues why
 * neither hides a behaviour that matters, and CI checks the FINE model as well:
 *   - a critical section is one step (no waiter can act on what it sees inside one: its
 *     retry needs the lock);
 *   - a waiter's leaving the waiter count, its next attempt and its registering again are
 *     one step (the count only decides whether a notify is made, and a notify only wakes
 *     sleepers, who are all counted).
 * taskDone() takes no lock: in both models each of its atomic accesses is a step (but see
 * FAST_CAS), and shutdown(immediate)'s add and clamp are two steps with the lock held.
 */

#ifdef NOTIFY_BEFORE_PUBLISH
#define FINE
#endif

#define NPROD 2             /* producers */
#ifndef NITEMS
#define NITEMS 2            /* items producer 0 puts */
#endif
#ifndef NITEMS1
#define NITEMS1 NITEMS      /* items producer 1 puts */
#endif
#define NPUTS (NITEMS + NITEMS1)
#define PUTS(p) ((p) == 0 -> NITEMS : NITEMS1)
#define NCONS 2             /* consumers */
#define NWAITERS 5          /* threads that may wait: producers 0-1, consumers 2-3, joiner 4 */
#define JOINER_ID 4

#ifndef MAXSIZE
#define MAXSIZE 2           /* the queue's item limit; 0 = unbounded */
#endif
#ifndef LIMIT
#define LIMIT 8             /* maxRingCap() in units: a put that needs more answers FULL */
#endif
#define RING0 2             /* the initial ring, in units (the real one is 16 KiB) */
#define MEMSIZE 14          /* ring blocks: 2 units at 0, 4 at 2, 8 at 6 (base = cap - 2) */
#define ROOM 4              /* a consumer's scratch, in units: room for any walk here */
#define WALK_ATTEMPTS 3

#ifdef VARSIZE
#define SIZE(p, s) (2 - ((p) + (s)) % 2)   /* producer 0: 2, 1, 2; producer 1: 1, 2 */
#else
#define SIZE(p, s) 1
#endif

#ifdef WALK
#define MAX0 2              /* consumer 0: getMany(2), with the lock-free walk */
#else
#define MAX0 1
#endif
#define MAX1 1              /* consumer 1: get() */

/* Units of the ring. 0 is never a valid header (its len/~len check fails). */
#define HDR(t, sz) ((t) * 4 + (sz))
#define PAYLOAD(t) ((t) * 4 + 3)
#define KIND(u) ((u) % 4)                   /* 1, 2: header of that size; 3: payload */
#define TAG(u) ((u) / 4)
/* A payload unit whose bytes happen to pass the len/~len check reads, to a walk, as a
 * one-unit frame. */
#define WALK_SIZE(u) (KIND(u) == 2 -> 2 : 1)
/* What a freed ring block holds once another handle's scratch reuses it: a plausible
 * header of a record that was never put. */
#define SCRIBBLE HDR(0, 1)
#define AT(i) (RING + ((HEAD + (i)) & (RING_CAP - 1)))   /* the ring unit i after HEAD */

#define TAGOF(p, s) ((p) * NITEMS + (s) + 1)
#define PROD(t) (((t) - 1) / NITEMS)
#define SEQ(t) (((t) - 1) % NITEMS)
#define BIT(t) (1 << (t))
#define ALL ((1 << (NPUTS + 1)) - 2)       /* BIT(1) | ... | BIT(NPUTS) */
#define ONES(x) ((((x) >> 1) & 1) + (((x) >> 2) & 1) + (((x) >> 3) & 1) + (((x) >> 4) & 1))

/* Futex words (layout.ts): getters wait on PUT_EPOCH with GET_WAITERS, putters on
 * GET_EPOCH with PUT_WAITERS, joiners on DONE_EPOCH with JOIN_WAITERS. */
#define ITEMS 0
#define SPACE 1
#define DONE 2

/* Results of an attempt (r). */
#define AGAIN 0             /* would block: EMPTY, FULL, or unfinished != 0 */
#define OK 1                /* a put or a join succeeded; a take answers n >= 1 */
#define SHUT 254            /* SHUT_DOWN */
#define RETRY 255           /* take(): the walk went stale */
#define TOOK (r != AGAIN && r != SHUT && r != RETRY)

#define OPEN 0
#define SHUT_DOWN 1

/* ---- shared words (layout.ts) ----------------------------------------------------------- */
bit lock;
byte STATE;
byte COUNT;
byte HEAD;
byte USED;
byte RING = RING0 - 2;
byte RING_CAP = RING0;
byte TASKS_PUT;             /* records ever put (under the lock) */
byte TASKS_DONE;            /* tasks done or discarded (atomics, no lock) */
byte TAKEN;
byte RING_GEN;
byte epoch[3];
byte waiters[3];
byte mem[MEMSIZE];

/* ---- the futexes' sleepers: word + 1 (0 = awake), and the value the wait was given ------- */
byte pending;               /* notifies due after a release and not yet made */
byte sleepOn[NWAITERS];
byte sleepVal[NWAITERS];

/* ---- ghost state, for the checks only ------------------------------------------------- */
byte putMask;               /* items whose put succeeded */
byte gotMask;               /* items taken by a consumer */
byte discardMask;           /* items discarded by shutdown(immediate) */
byte discardCount;          /* tasks discarded by it: min(unfinished, count), as Python */
byte doneCount;             /* taskDone() calls that counted a task done */
byte noneCount;             /* taskDone() calls that answered NONE_UNFINISHED */
byte nextSeq[NPROD];        /* per producer: the sequence number the next take must find */
byte producersDone;
byte consumersDone;
bit joinerDone;

/* ---- futexes and announce() --------------------------------------------------------------- */

/* Atomics.notify(epoch[w], -1): wakes every sleeper on the word. Inside a d_step. */
inline wake(w) {
  k = 0;
  do
  :: k < NWAITERS ->
     if
     :: sleepOn[k] == w + 1 -> sleepOn[k] = 0; sleepVal[k] = 0
     :: else
     fi;
     k++
  :: else -> break
  od;
  k = 0
}

/* announce() after its epoch bump: notify if the waiter count is non-zero; the release
 * follows. Without FINE, inside the critical section's one step. */
inline notify_if_waiting(w) {
  if
  :: waiters[w] != 0 -> wake(w)
  :: else
  fi
}

#ifdef FINE
/* The read of the waiter count with the release, then the notify (I6: after the release).
 * The read and the release are one step here, two in the code: a waiter that registers
 * between them cannot finish its retry before the release (it needs the lock), so it
 * behaves as one that registers after both. */
inline notify_and_release(w) {
  d_step { notifying = (waiters[w] != 0); pending = pending + notifying; lock = 0 };
  d_step {
    if
    :: notifying -> wake(w)
    :: else
    fi;
    pending = pending - notifying;
    notifying = 0
  }
}
#define ANNOUNCE_IN_STEP(w)
#else
#define ANNOUNCE_IN_STEP(w) ; notify_if_waiting(w); lock = 0
#endif

/* With WALK: the last store a walk may read, then announce() and the release. */
#ifdef FINE
#define LAST_STORE_AND_ANNOUNCE(w, STORE) d_step { STORE }; epoch[w]++; notify_and_release(w)
#else
#define LAST_STORE_AND_ANNOUNCE(w, STORE) \
     d_step { STORE; epoch[w]++; notify_if_waiting(w); lock = 0 }
#endif

/* ---- waitSync (bindings/wait.ts) ------------------------------------------------------------
 * ATTEMPT sets r. The caller declares r, e, k and passes its waiter id ME and a label for
 * the sleeping point (an end-state label where sleeping forever is a valid ending: idle
 * consumers of a queue nobody shuts down). */

/* Atomics.wait(epoch[w], e): sleeps only if the word still holds e, checked and enqueued
 * in one step; AFTER runs once awake (woken, or the word had changed) and READY holds:
 * the joined step's attempt needs the lock, which shutdown() and taskDone() steps may find
 * held (it cannot block inside the step). */
#define FUTEX_WAIT(w, ME, LABEL, READY, AFTER) \
     if \
     :: d_step { epoch[w] == e -> sleepOn[ME] = w + 1; sleepVal[ME] = e }; \
LABEL:  d_step { sleepOn[ME] == 0 && READY -> AFTER } \
     :: d_step { epoch[w] != e -> skip }; \
        d_step { READY -> AFTER } \
     fi

#ifdef BROKEN_UNREGISTER_BEFORE_WAIT
/* Broken: leaves the waiter count before sleeping, so a waker sees nobody to notify. */
#define LEAVE_BEFORE_SLEEP(w) waiters[w]--;
#define LEAVE_AFTER_SLEEP(w)
#else
#define LEAVE_BEFORE_SLEEP(w)
#define LEAVE_AFTER_SLEEP(w) waiters[w]--;
#endif

/* The retry after registering; on success, leave the waiter count and return. */
#define RETRY_STEPS(w, ATTEMPT) \
     ATTEMPT; \
     if \
     :: r != AGAIN -> waiters[w]--; break \
     :: else \
     fi
#define RETRY_JOINED(w, ATTEMPT) \
     d_step { \
       ATTEMPT; \
       if \
       :: r != AGAIN -> waiters[w]-- \
       :: else \
       fi \
     }; \
     if \
     :: r != AGAIN -> break \
     :: else \
     fi

#ifdef BROKEN_EPOCH_AFTER_RETRY
/* Broken: reads the epoch after the retry, so a change made between the two goes unseen. */
#define READ_EPOCH_AND_RETRY(w, RETRY_MACRO, ATTEMPT) \
     RETRY_MACRO(w, ATTEMPT); \
     e = epoch[w]
#else
#define READ_EPOCH_AND_RETRY(w, RETRY_MACRO, ATTEMPT) \
     e = epoch[w]; \
     RETRY_MACRO(w, ATTEMPT)
#endif

/* Step for step: try; register; read the epoch; retry; wait; leave; loop. */
#define WAIT_SYNC_STEPS(w, ATTEMPT, ME, LABEL) \
  do \
  :: ATTEMPT; \
     if \
     :: r != AGAIN -> break \
     :: else \
     fi; \
     waiters[w]++; \
     READ_EPOCH_AND_RETRY(w, RETRY_STEPS, ATTEMPT); \
     LEAVE_BEFORE_SLEEP(w) \
     FUTEX_WAIT(w, ME, LABEL, 1, e = 0); \
     LEAVE_AFTER_SLEEP(w) \
     skip \
  od

/* The same, with leave + attempt + register as one step (for attempts that are one step). */
#define TRY_AND_REGISTER(w, ATTEMPT) \
     ATTEMPT; \
     if \
     :: r == AGAIN -> waiters[w]++ \
     :: else \
     fi
#define WAIT_SYNC_JOINED(w, ATTEMPT, ME, LABEL) \
  d_step { TRY_AND_REGISTER(w, ATTEMPT) }; \
  do \
  :: r != AGAIN -> break \
  :: else -> \
     READ_EPOCH_AND_RETRY(w, RETRY_JOINED, ATTEMPT); \
     LEAVE_BEFORE_SLEEP(w) \
     FUTEX_WAIT(w, ME, LABEL, lock == 0, LEAVE_AFTER_SLEEP(w) e = 0; TRY_AND_REGISTER(w, ATTEMPT)) \
  od

#ifdef FINE
#define WAIT_SYNC WAIT_SYNC_STEPS
#else
#define WAIT_SYNC WAIT_SYNC_JOINED
#endif
/* A take with the walk is many steps, so it is not joined with anything. */
#ifdef WALK
#define WAIT_SYNC_TAKE WAIT_SYNC_STEPS
#else
#define WAIT_SYNC_TAKE WAIT_SYNC
#endif

/* ---- put: putLocked() with growRing() --------------------------------------------------- */

/* growRing()'s copy: the records, oldest first, to offset 0 of the new block; then free()
 * of the old block, which another handle's scratch may reuse at once. Inside a d_step. */
inline move_records() {
  target = 2;
  do
  :: target < USED + SIZE(p, s) -> target = target * 2
  :: else -> break
  od;
  if
  :: target < 2 * RING_CAP -> target = (2 * RING_CAP < LIMIT -> 2 * RING_CAP : LIMIT)
  :: else
  fi;
  k = 0;
  do
  :: k < USED -> mem[target - 2 + k] = mem[AT(k)]; k++
  :: else -> break
  od;
  k = 0;
  do
  :: k < RING_CAP -> mem[RING + k] = SCRIBBLE; k++
  :: else -> break
  od;
  k = 0
}

/* growRing()'s stores. */
inline move_ring() {
  RING = target - 2;
  RING_CAP = target;
  HEAD = 0;
  RING_GEN++;
  target = 0
}

/* copyIn at HEAD + USED. Inside a d_step. */
inline copy_in() {
  mem[AT(USED)] = HDR(TAGOF(p, s), SIZE(p, s));
  if
  :: SIZE(p, s) == 2 -> mem[AT(USED + 1)] = PAYLOAD(TAGOF(p, s))
  :: else
  fi
}

inline count_put() {
  COUNT++;
  TASKS_PUT++;
  putMask = putMask | BIT(TAGOF(p, s))
}

/* core.put(): one attempt; r = OK, AGAIN (FULL) or SHUT. */
inline try_put() {
  d_step {
    lock == 0 -> lock = 1;
    if
    :: STATE != OPEN -> r = SHUT
    :: else ->
       if
       :: MAXSIZE != 0 && COUNT + 1 > MAXSIZE -> r = AGAIN          /* FULL; keeps I4 */
       :: else ->
          r = OK;
          if
          :: RING_CAP - USED < SIZE(p, s) ->                         /* growRing() */
             if
             :: USED + SIZE(p, s) > LIMIT -> r = AGAIN               /* FULL: byte ceiling */
             :: else -> move_records()
             fi
          :: else
          fi
       fi
    fi;
    if
    :: r != OK -> lock = 0
    :: else
    fi;
#if !defined(WALK) && !defined(NOTIFY_BEFORE_PUBLISH)
    if
    :: r == OK ->
       if
       :: target != 0 -> move_ring()
       :: else
       fi;
       copy_in();
       USED = USED + SIZE(p, s);
       count_put();
       epoch[ITEMS]++
       ANNOUNCE_IN_STEP(ITEMS)
    :: else
    fi
#endif
  }
#ifdef NOTIFY_BEFORE_PUBLISH
  /* Looks broken: bumps and notifies before the item is in the ring (all under the lock). */
  if
  :: r == OK ->
     epoch[ITEMS]++;
     notifying = (waiters[ITEMS] != 0);
     d_step {
       if
       :: notifying -> wake(ITEMS)
       :: else
       fi;
       notifying = 0;
       if
       :: target != 0 -> move_ring()
       :: else
       fi;
       copy_in();
       USED = USED + SIZE(p, s);
       count_put();
       lock = 0
     }
  :: else
  fi
#endif
#ifdef WALK
  if
  :: r == OK ->
     if
     :: target != 0 ->                   /* growRing()'s stores, one a step, in order */
        RING = target - 2;
        RING_CAP = target;
        HEAD = 0;
        d_step { RING_GEN++; target = 0 }
     :: else
     fi;
     /* copyIn and the USED store as one step: a walk reads no unit at or past the USED
      * it read, so a fresh walk never sees the copy half done. */
     LAST_STORE_AND_ANNOUNCE(ITEMS, copy_in(); USED = USED + SIZE(p, s); count_put())
  :: else
  fi
#elif defined(FINE) && !defined(NOTIFY_BEFORE_PUBLISH)
  if
  :: r == OK -> notify_and_release(ITEMS)
  :: else
  fi
#endif
}

/* ---- take: the walk, then takeLocked() --------------------------------------------------- */

/* The lock-free part of take() for max > 1: racy reads, one word a step. */
inline walk() {
  walked = 0;
  wbytes = 0;
  if
  :: m > 1 ->
     taken0 = TAKEN;
     gen0 = RING_GEN;
     wring = RING;
     wcap = RING_CAP;
     whead = HEAD;
     wused = USED;
     if
     :: whead < wcap && wring + wcap <= MEMSIZE && wused <= wcap ->
        do
        :: walked < m && wbytes < wused ->
           hdr = mem[wring + ((whead + wbytes) & (wcap - 1))];
           if
           :: hdr == 0 -> break                   /* the len/~len check failed */
           :: else ->
              if
              :: wbytes + WALK_SIZE(hdr) > wused || wbytes + WALK_SIZE(hdr) > ROOM -> break
              :: else -> wbytes = wbytes + WALK_SIZE(hdr); walked++
              fi
           fi
        :: else -> break
        od
     :: else
     fi;
     atomic { wring = 0; wcap = 0; whead = 0; wused = 0; hdr = 0 }
  :: else
  fi
}

/* Ghost: what the consumer finds in the n records (nbytes units) it copies out, checked
 * as the real #decode would read them. Inside the take's d_step. */
inline receive() {
  at = 0;
  k = 0;
  do
  :: k < n ->
     u = mem[AT(at)];
     assert(KIND(u) == 1 || KIND(u) == 2);      /* misframed: a record starts mid-record */
     assert(TAG(u) != 0);                       /* took a record that was never put */
     if
     :: KIND(u) == 2 -> assert(mem[AT(at + 1)] == PAYLOAD(TAG(u)))   /* torn record */
     :: else
     fi;
     assert((putMask & BIT(TAG(u))) != 0);      /* took an item that was never put */
     assert((gotMask & BIT(TAG(u))) == 0);      /* an item taken twice */
     assert(SEQ(TAG(u)) == nextSeq[PROD(TAG(u))]); /* a producer's items out of order */
     nextSeq[PROD(TAG(u))]++;
     gotMask = gotMask | BIT(TAG(u));
     held++;
     at = at + KIND(u);
     k++
  :: else -> break
  od;
  assert(at == nbytes);                         /* took bytes that are not whole records */
  at = 0;
  k = 0;
  u = 0
}

/* HEAD moves past x units: what they held is the garbage a walk with a stale start may
 * read (the model does not keep stale records: fewer states). Inside a d_step. */
inline advance_head(x) {
  k = 0;
  do
  :: k < x -> mem[AT(k)] = SCRIBBLE; k++
  :: else -> break
  od;
  k = 0;
  HEAD = (HEAD + x) & (RING_CAP - 1)
}

/* I5: nobody took, discarded or moved records since the walk read TAKEN and RING_GEN. */
#define FRESH (TAKEN == taken0 && RING_GEN == gen0)

#ifdef BROKEN_TAKEN_BEFORE_HEAD
/* Broken: counts the take in TAKEN before moving HEAD and lowering USED, so a walk can
 * read the new TAKEN with the HEAD or USED from before the take and still pass the
 * freshness test under the lock. */
#define TAKE_STORES_AND_ANNOUNCE \
     TAKEN = TAKEN + n; \
     d_step { advance_head(nbytes) }; \
     LAST_STORE_AND_ANNOUNCE(SPACE, USED = USED - nbytes; COUNT = COUNT - n)
#else
#define TAKE_STORES_AND_ANNOUNCE \
     d_step { advance_head(nbytes) }; \
     d_step { USED = USED - nbytes; COUNT = COUNT - n }; \
     LAST_STORE_AND_ANNOUNCE(SPACE, TAKEN = TAKEN + n)
#endif

/* takeLocked(): r = n, AGAIN (EMPTY), SHUT or RETRY. */
inline take_locked() {
  d_step {
    lock == 0 -> lock = 1;
    if
    :: COUNT == 0 -> r = (STATE == SHUT_DOWN -> SHUT : AGAIN)
    :: else ->
       n = walked;
       nbytes = wbytes;
       if
       :: n == 0 || !FRESH || n > COUNT || nbytes > USED ->
          if
          :: n != 0 && attempt < WALK_ATTEMPTS -> r = RETRY
          :: else ->                            /* the oldest record alone, read here */
             u = mem[RING + HEAD];
             assert(KIND(u) == 1 || KIND(u) == 2);  /* CORRUPTED: I3 broken */
             nbytes = KIND(u);
             assert(nbytes <= USED);                /* CORRUPTED: I3 broken */
             n = 1;
             u = 0;
             r = n
          fi
       :: else -> r = n
       fi;
       if
       :: r != RETRY -> receive()
       :: else
       fi
    fi;
    if
    :: !TOOK -> lock = 0
    :: else -> putSeen = TASKS_PUT        /* refreshed under the lock, after taking */
    fi;
#ifndef WALK
    if
    :: TOOK ->
       advance_head(nbytes);
       USED = USED - nbytes;
       COUNT = COUNT - n;
       TAKEN = TAKEN + n;
       epoch[SPACE]++
       ANNOUNCE_IN_STEP(SPACE)
    :: else
    fi;
#endif
    walked = 0;
    wbytes = 0
  }
#ifdef WALK
  if
  :: TOOK -> TAKE_STORES_AND_ANNOUNCE
  :: else
  fi;
#elif defined(FINE)
  if
  :: TOOK -> notify_and_release(SPACE)
  :: else
  fi;
#endif
  d_step { n = 0; nbytes = 0 }
}

/* core.take(scratch, m): up to WALK_ATTEMPTS passes, each releasing the lock. */
#ifdef WALK
inline try_take() {
  attempt = 1;
  r = RETRY;
  do
  :: r == RETRY ->
     walk();
     take_locked();
     attempt++
  :: else -> break
  od;
  atomic { attempt = 0; taken0 = 0; gen0 = 0 }
}
#else
inline try_take() {         /* get(): max = 1, no walk, one pass */
  take_locked()
}
#endif

/* ---- taskDone, join, shutdown ------------------------------------------------------------- */

/* Ghost: tasks put and neither done nor discarded, as Python counts them. */
#define GHOST_UNFINISHED (ONES(putMask) - doneCount - discardCount)

#ifdef STRAY_DONE
#define STRAYS 1            /* taskDone() calls for no item taken: the closer makes one */
#else
#define STRAYS 0
#endif

/* core.taskDone(), without the lock. unfinished = TASKS_PUT - TASKS_DONE, two counters
 * that only rise: TASKS_PUT under the lock, TASKS_DONE by compare-exchange. putSeen is the
 * thread's last read of TASKS_PUT (a take refreshes it under the lock), so a taskDone()
 * for an item the thread took reads one shared word before its compare-exchange. Each
 * atomic access is a step of its own, in the reduced model too: their interleaving with
 * join(), with other taskDone() calls and with shutdown(immediate)'s add and clamp is what
 * is checked. pc names the next step. */
#define TD_LOAD_DONE 1      /* d = TASKS_DONE; p = putSeen */
#define TD_LOAD_PUT 2       /* d >= p: p = putSeen = TASKS_PUT; still d >= p: NONE_UNFINISHED */
#define TD_CAS 3            /* compare-exchange TASKS_DONE from d to d + 1; failed: again */
#define TD_REREAD 4         /* d + 1 == p, maybe the last task: does TASKS_PUT still say so? */
#define TD_BUMP 5           /* announce: DONE_EPOCH++ (an atomic add) */
#define TD_WAITERS 6        /* read JOIN_WAITERS */
#define TD_NOTIFY 7         /* Atomics.notify(DONE_EPOCH) */

#ifdef BROKEN_DONE_NOT_ATOMIC
/* Broken: stores what it loaded plus one, with no compare-exchange. */
#define CAS_FAILS 0
#else
#define CAS_FAILS (TASKS_DONE != d)
#endif

#ifdef BROKEN_DONE_OFF_BY_ONE
/* Broken: compares the count from before the increment (it is p - 1 at the last task). */
#define DONE_NOW d
#else
#define DONE_NOW (d + 1)
#endif

/* Ghost: the increment landed. If it made TASKS_DONE equal to TASKS_PUT, join() may be
 * asleep, and this thread owes the announce until it returns: as with a notify due after a
 * release, the WakeUps watcher waits for it. Inside a d_step. */
inline td_count() {
  assert(TASKS_DONE <= TASKS_PUT);          /* taskDone() raised TASKS_DONE past TASKS_PUT */
  held--;
  doneCount++;
  owes = (TASKS_DONE == TASKS_PUT);
  pending = pending + owes
}

/* taskDone() returns. putSeen is dead once the thread holds no item (its next take sets it
 * before any taskDone() reads it): cleared, fewer states. Inside a d_step. */
inline td_return() {
  pending = pending - owes;
  owes = 0;
  if
  :: held == 0 -> putSeen = 0
  :: else
  fi;
  d = 0;
  p = 0;
  pc = 0
}

/* The compare-exchange of TASKS_DONE from d to d + 1. Inside a d_step. */
inline td_cas() {
  if
  :: CAS_FAILS -> pc = TD_LOAD_DONE
  :: else ->
     TASKS_DONE = d + 1;
     td_count();
     if
     :: DONE_NOW == p -> pc = TD_REREAD            /* maybe the last task */
     :: else -> td_return()
     fi
  fi
}

/* Without FINE, the load of TASKS_DONE that finds d < putSeen and the compare-exchange are
 * one step. Exact: the compare-exchange succeeds only if nothing wrote TASKS_DONE since the
 * load (it only rises, and the clamp brings it back to a value no pending compare-exchange
 * holds: see shutdown), so the load moves right up to it past steps that only read it; and
 * an attempt whose compare-exchange fails changes nothing shared. The slow path (d >=
 * putSeen: load TASKS_PUT, then the compare-exchange) keeps its three steps. */
#if defined(FINE) || defined(BROKEN_DONE_NOT_ATOMIC)
#define FAST_CAS
#else
#define FAST_CAS td_cas()
#endif

/* core.taskDone(), called for one item this thread holds (or, by the closer with
 * STRAY_DONE, for none). Straight-line code with local branches between the steps, so
 * that spin's partial-order reduction skips the branches; every path returns with pc = 0. */
inline task_done() {
  do
  :: d_step {
       d = TASKS_DONE;
       p = putSeen;
       if
       :: d >= p -> pc = TD_LOAD_PUT
       :: else -> pc = TD_CAS; FAST_CAS
       fi
     };
     if
     :: pc == TD_LOAD_PUT ->
        d_step {
          p = TASKS_PUT;
          putSeen = p;
          if
          :: d >= p ->                             /* answers NONE_UNFINISHED */
             /* NONE_UNFINISHED for an item the thread holds (no taskDone() without an item) */
             assert(STRAYS != 0);
             /* NONE_UNFINISHED while a task is unfinished */
             assert(GHOST_UNFINISHED == 0);
             held--;
             noneCount++;
             td_return()
          :: else -> pc = TD_CAS
          fi
        }
     :: else
     fi;
     if
     :: pc == TD_CAS -> d_step { td_cas() }
     :: else
     fi;
     if
     :: pc == TD_LOAD_DONE                         /* the compare-exchange failed: again */
     :: else -> break
     fi
  od;
  if
  :: pc == TD_REREAD ->
     d_step {
       if
       :: TASKS_PUT == DONE_NOW -> pc = TD_BUMP
       :: else -> td_return()                      /* a put came in: not the last task */
       fi
     };
     if
     :: pc == TD_BUMP ->
        d_step { epoch[DONE]++; pc = TD_WAITERS };
        d_step {
          if
          :: waiters[DONE] != 0 -> pc = TD_NOTIFY
          :: else -> td_return()
          fi
        };
        if
        :: pc == TD_NOTIFY -> d_step { wake(DONE); td_return() }
        :: else
        fi
     :: else
     fi
  :: else
  fi
}

/* join()'s attempt: unfinishedTasks() == 0, under the lock. */
inline try_join() {
  d_step {
    lock == 0 -> lock = 1;
#ifdef BROKEN_JOIN_ON_EMPTY
    /* Broken: waits for an empty queue instead of for every task to be done. */
    r = (COUNT == 0 -> OK : AGAIN);
#else
    r = (TASKS_PUT == TASKS_DONE -> OK : AGAIN);
#endif
    /* Join never early: it answers done only once every item put is done or discarded. */
    assert(r != OK || GHOST_UNFINISHED == 0);
    /* The counters agree with the items put and the tasks done and discarded. */
    assert(TASKS_PUT - TASKS_DONE == GHOST_UNFINISHED);
    lock = 0
  }
}

/* Ghost: the records shutdown(immediate) discards. Inside a d_step. */
inline discard() {
  at = 0;
  k = 0;
  do
  :: k < COUNT ->
     u = mem[AT(at)];
     assert((gotMask & BIT(TAG(u))) == 0);
     discardMask = discardMask | BIT(TAG(u));
     at = at + KIND(u);
     k++
  :: else -> break
  od;
  at = 0;
  k = 0;
  u = 0
}

/* shutdown(immediate)'s discard of the queued tasks, in two steps under the lock (which
 * freezes TASKS_PUT): an atomic add of COUNT to TASKS_DONE, then a clamp to TASKS_PUT,
 * since Python discards min(unfinished, count), and fewer tasks than items queued are
 * unfinished when taskDone() was called for items not taken. Between the two, a
 * taskDone() that reads TASKS_DONE >= TASKS_PUT answers NONE_UNFINISHED (it is ordered
 * after the shutdown); one that read TASKS_DONE before the add fails its compare-exchange.
 * The ghost count follows Python. Each inside a d_step. */
inline add_discarded() {
  discardCount = discardCount + (GHOST_UNFINISHED < COUNT -> GHOST_UNFINISHED : COUNT);
  old = TASKS_DONE;
  TASKS_DONE = TASKS_DONE + COUNT
}

#ifdef BROKEN_SHUTDOWN_NO_CLAMP
/* Broken: counts every queued item as a discarded task, also one whose task is done. */
#define CLAMP
#else
#define CLAMP \
  if \
  :: old + COUNT > TASKS_PUT -> TASKS_DONE = TASKS_PUT \
  :: else \
  fi;
#endif
inline clamp_discarded() {
  CLAMP
  old = 0;
  COUNT = 0
}

#ifdef BROKEN_SHUTDOWN_FORGETS_PUTTERS
/* Broken: wakes getters and joiners, and forgets putters blocked on a full queue. */
#define BUMP_SPACE
#define WAKE_SPACE
#else
#define BUMP_SPACE epoch[SPACE]++;
#define WAKE_SPACE wake(SPACE);
#endif

#if SHUTDOWN == 2
#define CLAMP_IF_IMMEDIATE clamp_discarded();
#else
#define CLAMP_IF_IMMEDIATE
#endif

/* core.shutdown(SHUTDOWN == 2). The release ends the critical section in every shape; the
 * add and the clamp are always two steps, which taskDone() steps may come between. */
inline shutdown() {
  d_step {
    lock == 0 -> lock = 1;
    STATE = SHUT_DOWN
#if SHUTDOWN == 2
    ; discard()
#ifndef WALK
    ; TAKEN = TAKEN + COUNT;
    advance_head(USED);
    USED = 0;
    add_discarded()
#endif
#endif
  }
#if SHUTDOWN == 2 && defined(WALK)
  /* The discard's stores a walk may read, one a step, in order; then the add. */
  TAKEN = TAKEN + COUNT;
  d_step { advance_head(USED) };
  USED = 0;
  d_step { add_discarded() };
#endif
#ifdef FINE
  d_step { CLAMP_IF_IMMEDIATE epoch[ITEMS]++ };
  BUMP_SPACE
  epoch[DONE]++;
  d_step { pending++; lock = 0 };  /* the release; the notifies follow it (I6) */
  d_step { wake(ITEMS) };
  d_step { WAKE_SPACE skip };
  d_step { wake(DONE); pending-- }
#else
  d_step {
    CLAMP_IF_IMMEDIATE
    epoch[ITEMS]++;
    BUMP_SPACE
    epoch[DONE]++;
    wake(ITEMS);
    WAKE_SPACE
    wake(DONE);
    lock = 0
  }
#endif
}

/* ---- the threads ---------------------------------------------------------------------------- */

proctype Producer(byte p) {
  byte s, r, e, k, target;
  bit notifying;
  do
  :: s < PUTS(p) ->
     WAIT_SYNC(SPACE, try_put(), p, asleep);
     if
     :: r == SHUT -> break                     /* put() throws ShutDown: stop producing */
     :: else -> s++
     fi
  :: else -> break
  od;
  atomic { s = 0; r = 0; producersDone++ }
}

#ifdef SHUTDOWN
#define CONSUMER_SLEEP asleep                  /* shutdown must wake every consumer */
#else
#define CONSUMER_SLEEP end_idle                /* an idle consumer may wait forever */
#endif

proctype Consumer(byte c; byte m) {
  byte r, e, k, n, nbytes, at, u, held, attempt;
  byte walked, wbytes, taken0, gen0, wring, wcap, whead, wused, hdr;
  byte d, p, putSeen, pc;      /* taskDone()'s */
  bit notifying, owes;
  do
  :: WAIT_SYNC_TAKE(ITEMS, try_take(), NPROD + c, CONSUMER_SLEEP);
     if
     :: r == SHUT -> break                     /* get() throws ShutDown: the loop ends */
     :: else ->
        do                                     /* process each item, then taskDone() */
        :: held != 0 -> task_done()
        :: else -> break
        od;
        r = 0
     fi
  od;
  atomic { r = 0; consumersDone++ }
}

proctype Joiner() {
  byte r, e, k;
#ifndef JOIN_EARLY
  producersDone == NPROD;                      /* as a main thread does: put all, then join */
#endif
  WAIT_SYNC(DONE, try_join(), JOINER_ID, asleep);
  atomic { r = 0; joinerDone = 1 }
}

#ifdef SHUTDOWN
proctype Closer() {
  byte k, at, u, old;
#ifdef STRAY_DONE
  byte d, p, putSeen, pc, held = 1;
  bit owes;
  task_done();                                 /* for an item some other thread took, or none */
#endif
  shutdown()
}
#endif

/* Lost wake-ups, checked in every state where the lock is free and no notify is due
 * (inside a critical section, between a release and the notify that follows it, and from
 * the taskDone() that made TASKS_DONE equal to TASKS_PUT until it returns, a waiter may be
 * asleep on a word just bumped, or about to be bumped, until the notify): a thread asleep
 * when it should have been woken. And TASKS_DONE <= TASKS_PUT whenever the lock is free
 * (only shutdown(immediate), between its add and its clamp, may break it). The watcher is
 * blocked, at an end label, unless one shows. */
#define ASLEEP(id) (sleepOn[id] != 0)
#define STALE(id) (ASLEEP(id) && epoch[sleepOn[id] - 1] != sleepVal[id])
#define NO_STALE_SLEEPER (!STALE(0) && !STALE(1) && !STALE(2) && !STALE(3) && !STALE(4))
#define GETTERS_OK (!(ASLEEP(NPROD) || ASLEEP(NPROD + 1)) || (COUNT == 0 && STATE == OPEN))
#define PUTTERS_OK (!(ASLEEP(0) || ASLEEP(1)) || (COUNT != 0 && STATE == OPEN))
#define JOINER_OK (!ASLEEP(JOINER_ID) || TASKS_PUT != TASKS_DONE)
proctype WakeUps() {
end_watch:
  atomic {
    lock == 0 &&
    (TASKS_DONE > TASKS_PUT ||
     pending == 0 && !(NO_STALE_SLEEPER && GETTERS_OK && PUTTERS_OK && JOINER_OK)) ->
    /* TASKS_DONE > TASKS_PUT with the lock free: more tasks done than put */
    assert(TASKS_DONE <= TASKS_PUT);
    /* Lost wake-up: asleep on a futex word that changed since it went to sleep. */
    assert(NO_STALE_SLEEPER);
    /* Lost wake-up: a getter asleep while items are queued or the queue is shut down. */
    assert(GETTERS_OK);
    /* Lost wake-up: a putter asleep while the queue is empty or shut down. */
    assert(PUTTERS_OK);
    /* Lost wake-up: join() asleep while no task is unfinished. */
    assert(JOINER_OK)
  }
}

/* Runs when nothing else can move: at the end of a run, or in a deadlock. */
proctype Monitor() {
  timeout ->
  d_step {
    assert(producersDone == NPROD);            /* a producer never returned from put() */
    assert(joinerDone);                        /* join() never returned */
    assert(lock == 0);
#ifdef SHUTDOWN
    assert(consumersDone == NCONS);            /* a consumer never saw ShutDown */
    assert(putMask == (gotMask | discardMask)); /* an item put was neither got nor discarded */
    /* a task taken and never done */
    assert(doneCount + noneCount == ONES(gotMask) + STRAYS);
#else
    assert(COUNT == 0);                        /* items left while every consumer sleeps */
    assert(putMask == ALL && gotMask == ALL);  /* an item lost */
    assert(doneCount == NPUTS);                /* a task taken and never done */
#endif
    assert(TASKS_PUT == TASKS_DONE);           /* tasks left unfinished */
    assert(pending == 0)
  }
}

init {
  atomic {
    run Producer(0);
    run Producer(1);
    run Consumer(0, MAX0);
    run Consumer(1, MAX1);
#ifdef NO_JOINER
    joinerDone = 1;
#else
    run Joiner();
#endif
#ifdef SHUTDOWN
    run Closer();
#endif
    run WakeUps();
    run Monitor()
  }
}
