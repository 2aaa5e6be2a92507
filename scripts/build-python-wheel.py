#!/usr/bin/env python3
"""Builds the wheel-guard Python wheel (`pipx install wheel-guard`) from the committed bundle.

usage: python3 scripts/build-python-wheel.py [OUT_DIR]      (default: python/dist)

Prints the wheel's path on stdout (its last line); what it does goes to stderr.

The tree it builds is made in a temporary directory: python/'s pyproject.toml,
README.md and wheel_guard/, the repository's LICENSE, and in
wheel_guard/_bundle/ what the CLI needs around itself, as the npm package lays
it out: dist/cli, dist/chunks and dist/worker (not the action entries
dist/index.js, dist/post-build, dist/collect), the sample wheels and sdist of
samples/ (the demo's input; not samples/src), and a package.json holding
package.json's name and version and "type": "module" (the bundle's .js files
are ES modules, which Node before 20.19 only knows from that field). The
wheel's version is package.json's "version".

Reproducible: the same inputs give the same bytes. The backend is hatchling,
pinned (HATCHLING below), whose wheels are reproducible by default: entries in
a fixed order, modes normalised, every time stamp SOURCE_DATE_EPOCH. That is
taken from the environment if set, else from the last commit that touched an
input (a commit elsewhere leaves the wheel as it was), else a constant.

What it needs: python3 (3.8 or later) and hatchling==HATCHLING. If this
interpreter does not have that version, it is installed once with
`python3 -m pip install --target` into a cache (XDG_CACHE_HOME or ~/.cache,
wheel-guard-build/), from whatever index pip is set up for (here: the
machine's own mirror, offline). If that fails, another importable hatchling
is used with a warning (the bytes may then differ from the pinned build's).
No network beyond pip's index, no build isolation, no other package.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HATCHLING = "1.32.4"
ROOT = Path(__file__).resolve().parent.parent
PYTHON_PROJECT = ROOT / "python"
BUNDLE_DIRS = ("cli", "chunks", "worker")
INPUTS = ["dist/cli", "dist/chunks", "dist/worker", "samples", "package.json", "LICENSE", "python", "scripts/build-python-wheel.py"]
# 2020-02-02, hatchling's own default, when there is neither SOURCE_DATE_EPOCH nor git.
FALLBACK_EPOCH = "1580601600"


def say(text: str) -> None:
    sys.stderr.write("build-python-wheel: %s\n" % text)


def source_date_epoch() -> str:
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return os.environ["SOURCE_DATE_EPOCH"]
    try:
        done = subprocess.run(
            ["git", "-C", str(ROOT), "log", "-1", "--format=%ct", "--", *INPUTS],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            check=True,
        )
        stamp = done.stdout.decode().strip()
        if stamp.isdigit():
            return stamp
    except (OSError, subprocess.CalledProcessError):
        pass
    return FALLBACK_EPOCH


def copy_file(source: Path, target: Path) -> None:
    if source.is_symlink() or not source.is_file():
        raise SystemExit("build-python-wheel: %s is not a regular file" % source)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)


def copy_tree(source: Path, target: Path, skip=("__pycache__", "_bundle")) -> list[Path]:
    """Copies the regular files under source to target (none of `skip`, no bytecode); returns the copies' paths."""
    copied = []
    for path in sorted(source.rglob("*")):
        if any(part in skip for part in path.relative_to(source).parts) or path.suffix in (".pyc", ".pyo"):
            continue
        if path.is_dir() and not path.is_symlink():
            continue
        copy_file(path, target / path.relative_to(source))
        copied.append(target / path.relative_to(source))
    return copied


def lay_out(tree: Path, package: dict) -> list[str]:
    """Fills the build tree; returns the bundle's files as they will be named in the wheel."""
    for name in ("pyproject.toml", "README.md"):
        copy_file(PYTHON_PROJECT / name, tree / name)
    copy_file(ROOT / "LICENSE", tree / "LICENSE")
    copy_tree(PYTHON_PROJECT / "wheel_guard", tree / "wheel_guard")
    bundle = tree / "wheel_guard" / "_bundle"
    files = []
    for needed in ("dist/cli/index.js", "dist/worker/index.js", "dist/chunks"):
        if not (ROOT / needed).exists():
            raise SystemExit("build-python-wheel: %s is missing: run `npm run build` first" % (ROOT / needed))
    for name in BUNDLE_DIRS:
        files += copy_tree(ROOT / "dist" / name, bundle / "dist" / name, skip=())
    for path in sorted((ROOT / "samples").iterdir()):
        if path.is_file() and not path.is_symlink():
            copy_file(path, bundle / "samples" / path.name)
            files.append(bundle / "samples" / path.name)
    manifest = {
        "name": package["name"],
        "version": package["version"],
        "description": "The wheel-guard CLI bundle, as the wheel-guard Python package carries it.",
        "license": package.get("license", "MIT"),
        "private": True,
        "type": "module",
    }
    (bundle / "package.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    files.append(bundle / "package.json")
    return sorted(path.relative_to(tree).as_posix() for path in files)


def hatchling_path() -> str | None:
    """A sys.path entry that provides the pinned hatchling; None for this interpreter's own."""
    try:
        from importlib.metadata import PackageNotFoundError, version

        try:
            if version("hatchling") == HATCHLING:
                return None
        except PackageNotFoundError:
            pass
    except ImportError:  # Python 3.7
        pass
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "wheel-guard-build" / ("hatchling-" + HATCHLING)
    if (cache / "hatchling" / "__init__.py").is_file():
        return str(cache)
    say("installing hatchling==%s into %s" % (HATCHLING, cache))
    cache.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=cache.name + ".", dir=str(cache.parent)))
    # --retries 1: pip's default 5 retries back off for some 45 s in all when an index is out of reach
    # (here the default index is, and the machine's mirror answers).
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input",
         "--retries", "1", "--no-compile", "--target", str(staging), "hatchling==" + HATCHLING],
        stdout=sys.stderr,
        env=dict(os.environ, PIP_ROOT_USER_ACTION="ignore"),
    )
    if done.returncode == 0 and (staging / "hatchling" / "__init__.py").is_file():
        try:
            staging.rename(cache)
        except OSError:  # another build put it there first
            shutil.rmtree(staging, ignore_errors=True)
        return str(cache)
    shutil.rmtree(staging, ignore_errors=True)
    try:
        import hatchling  # noqa: F401  (any version)
    except ImportError:
        raise SystemExit(
            "build-python-wheel: hatchling==%s could not be installed (pip said why above) and none is importable: "
            "`python3 -m pip install hatchling==%s`" % (HATCHLING, HATCHLING)
        )
    say("warning: using this interpreter's hatchling, not %s: the wheel may differ from a pinned build's bytes" % HATCHLING)
    return None


def build(out_dir: Path) -> Path:
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    epoch = source_date_epoch()
    backend = hatchling_path()
    with tempfile.TemporaryDirectory(prefix="wheel-guard-python-") as temp:
        tree = Path(temp) / "wheel-guard"
        built = Path(temp) / "out"
        built.mkdir()
        expected = lay_out(tree, package)
        env = {key: value for key, value in os.environ.items() if not key.startswith("HATCH_")}
        env.update(SOURCE_DATE_EPOCH=epoch, PYTHONDONTWRITEBYTECODE="1")
        if backend:
            env["PYTHONPATH"] = backend
        # The PEP 517 hook, as a build frontend calls it (no isolation: the backend is the one above).
        subprocess.run(
            [sys.executable, "-c", "import sys, hatchling.build as b; b.build_wheel(sys.argv[1])", str(built)],
            cwd=str(tree),
            env=env,
            stdout=sys.stderr,
            check=True,
        )
        (wheel,) = built.glob("*.whl")
        with zipfile.ZipFile(wheel) as archive:
            missing = sorted(set(expected) - set(archive.namelist()))
        if missing:
            raise SystemExit("build-python-wheel: the backend left out %s" % ", ".join(missing))
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / wheel.name
        staged = out_dir / (".%s.%d.tmp" % (wheel.name, os.getpid()))
        shutil.copyfile(wheel, staged)
        os.replace(staged, target)
    say("built %s (version %s, SOURCE_DATE_EPOCH=%s)" % (target, package["version"], epoch))
    return target


def main(argv: list[str]) -> int:
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    out_dir = Path(argv[0]).resolve() if argv else PYTHON_PROJECT / "dist"
    print(build(out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
