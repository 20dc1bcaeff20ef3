"""Imported by the local pool's fork server (see executors.LocalExecutor): loads every
stage's models once, so worker processes forked from it start warm and share those
pages copy-on-write instead of each spending seconds loading them again.

Once warm, everything it holds is frozen out of the cyclic garbage collector
(`gc.freeze`): a collection in a worker would otherwise write to the header of every
object it inherited, copying each page it shares with the fork server. The workers
then start faster, use less memory and run side by side with less contention."""
import gc
import os

from .executors import THREAD_ENV, warm_up

for _k, _v in THREAD_ENV.items():
    os.environ.setdefault(_k, _v)
warm_up()
gc.collect()   # garbage made while warming up is not kept for ever
gc.freeze()
