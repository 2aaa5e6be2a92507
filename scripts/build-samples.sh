#!/usr/bin/env bash
# Rebuilds samples/: a wheel and an sdist of samples/src/wheel-guard-sample built by
# setuptools + wheel (PEP 517 backend), plus real wheels copied from CPython's own
# test data. Needs python3 with setuptools and the `wheel` package; run by hand, the
# results are committed (tests and the demo never build them).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r samples/src/wheel-guard-sample "$work/"
(cd "$work/wheel-guard-sample" && SOURCE_DATE_EPOCH=1700000000 python3 setup.py -q bdist_wheel sdist)
cp "$work"/wheel-guard-sample/dist/* samples/
