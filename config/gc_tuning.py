"""Garbage-collector settings for the long-running server process.

A gateway process holds thousands of sockets, i.e. millions of long-lived objects. With
CPython's default thresholds (700, 10, 10) short-lived per-message objects still alive at
a young collection get promoted, and every ~13 s enough had been promoted to trigger a
full collection, which walked every socket's objects: a 1.5 s stall of the event loop at
10,000 chargers, and the whole of S1's heartbeat p99 (docs/benchmarks.md). Objects that
exist once the application is loaded live as long as the process, so they are frozen out
of the collector's walks; young collections run less often, so that per-message objects
die by reference counting before they can be promoted."""

import gc

from django.conf import settings


def tune_for_server() -> None:
    threshold = settings.GC_GEN0_THRESHOLD
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(threshold, gen1, gen2)
