"""Imported by the local pool's fork server (see executors.LocalExecutor): loads every
stage's models once, so worker processes forked from it start warm and share those
pages copy-on-write instead of each spending seconds loading them again."""
import os

from .executors import THREAD_ENV, warm_up

for _k, _v in THREAD_ENV.items():
    os.environ.setdefault(_k, _v)
warm_up()
