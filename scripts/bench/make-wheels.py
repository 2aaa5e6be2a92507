"""Makes many wheels in one process: runs __tests__/helpers/make-wheel.py (the
tests' generator: a valid wheel with RECORD, random stored payload) once per
line of stdin, `OUTDIR NAME VERSION SIZE_BYTES SEED [--deflate]` (--deflate:
compressible text in many DEFLATED members instead of one stored random payload).

CPython's Random.randbytes(n) calls getrandbits(n * 8), which takes a C int:
it overflows past 256 MiB. For the 1 GiB wheel it is made in 64 MiB pieces
here (same generator, same seed, different bytes than one call would give;
the payload only has to be random and hashed right in RECORD).

usage: make-wheels.py PATH/TO/make-wheel.py < jobs
"""
import random
import runpy
import sys

helper = sys.argv[1]
_randbytes = random.Random.randbytes
PIECE = 64 << 20


def randbytes(self, n):
    if n <= PIECE:
        return _randbytes(self, n)
    return b"".join(_randbytes(self, min(PIECE, n - i)) for i in range(0, n, PIECE))


random.Random.randbytes = randbytes

for line in sys.stdin:
    args = line.split()
    if not args:
        continue
    sys.argv = [helper, *args]
    runpy.run_path(helper, run_name="__main__")
