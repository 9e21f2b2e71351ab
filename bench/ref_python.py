"""Reference: Python's multiprocessing.JoinableQueue moving small tuples (i, "item%d" % i)
from this process to one consumer process, which calls task_done() for each; this process
join()s at the end of each run. Run by bench/ref_python.mjs; usable alone:

    python3 bench/ref_python.py COUNT RUNS WARMUPS

Prints one line of JSON: items/s of each timed run, and whether every run's items all
arrived, in order, with the right checksum (counted by the consumer, checked here).
"""
import json
import multiprocessing as mp
import platform
import sys
import time

MASK = 0xFFFFFFFF


def item_sum(i, name):
    return i * 31 + len(name) + ord(name[-1])


def consume(q, results, counts):
    for n in counts:
        count = 0
        total = 0
        out_of_order = 0
        for k in range(n):
            i, name = q.get()
            if i != k:
                out_of_order += 1
            total = (total + item_sum(i, name)) & MASK
            count += 1
            q.task_done()
        results.put((count, total, out_of_order))


def main():
    count, runs, warmups = (int(a) for a in sys.argv[1:4])
    counts = [count] * (warmups + runs)
    q = mp.JoinableQueue()
    results = mp.Queue()
    consumer = mp.Process(target=consume, args=(q, results, counts), daemon=True)
    consumer.start()
    expected = 0
    for i in range(count):
        expected = (expected + item_sum(i, "item%d" % i)) & MASK
    rates = []
    problems = []
    for r, n in enumerate(counts):
        t0 = time.perf_counter()
        for i in range(n):
            q.put((i, "item%d" % i))
        q.join()
        seconds = time.perf_counter() - t0
        got, total, out_of_order = results.get(timeout=60)
        if got != n:
            problems.append("run %d: %d items arrived, expected %d" % (r, got, n))
        elif out_of_order:
            problems.append("run %d: %d items out of order" % (r, out_of_order))
        elif total != expected:
            problems.append("run %d: checksum %d, expected %d" % (r, total, expected))
        if r >= warmups:
            rates.append(n / seconds)
    consumer.join(timeout=10)
    print(json.dumps({
        "python": "%s %s" % (platform.python_implementation(), platform.python_version()),
        "start_method": mp.get_start_method(),
        "count": count,
        "rates": rates,
        "problems": problems,
    }))


if __name__ == "__main__":
    main()
