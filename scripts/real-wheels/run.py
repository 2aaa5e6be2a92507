#!/usr/bin/env python3
"""Real-world corpus check of wheel-guard's content check (issue 11, item 2).

Not part of CI. What it does, in order:

  1. gather   every wheel the configured package indexes list (`pip config list`:
               each file:// simple index, plus the find-links directories), every
               version they hold, with `pip download --no-deps --only-binary=:all:`
               into $WG_CORPUS/wheels (never inside the repository);
  2. sums     SHA256SUMS of the corpus with sha256sum;
  3. truth    per wheel, cached as $WG_CORPUS/truth/<sha256>-<name hash>.json:
               pip 23.2.1 on Python 3.11 and a newer pip on Python 3.13 (`pip
               install --no-deps --no-index --no-compile --target TMP WHEEL`; where
               names or versions look odd, also as from an index), `python -m
               wheel unpack`, pypa/installer with `--validate-record all` and
               `none`, zipfile's testzip(), and facts (generator, dates, tags,
               RECORD quirks) from facts.py;
  4. broken   damaged copies of 60 corpus wheels (truncated at random and by 22
               bytes, a byte flipped in a member's data, a bit flipped in a
               central-directory CRC-32, a hash character changed in RECORD), each
               kind in a directory with a correct SHA256SUMS, and their truth;
  5. crafted  a few clean wheels rebuilt with one quirk each (WHEEL tags, signature
               files, RECORD without sizes, md5/sha1/sha512, METADATA name/version,
               invalid versions, Wheel-Version, RECORD rows missing or extra), and
               their truth;
  6. timing   after warming the page cache: sha256sum (one process and xargs -P
               nproc), openssl dgst, python-loop.py, and `node dist/cli/index.js
               verify` (the committed bundle; its stderr gives the verdicts), each
               under /usr/bin/time -v;
  7. verdicts wheel-guard over each broken and crafted directory;
  8. report   docs/real-wheels.md (and $WG_CORPUS/runs/<time>/ keeps every output).

Needs: python3 3.11 (runs this script), optionally Python 3.13 under ~/.pyenv;
pip configured for the local mirror; node >= 20; git; sha256sum, xargs and
/usr/bin/time (apt-get install time). The `wheel` and newer `pip` come from the
mirror; pypa/installer from a source snapshot (not in the mirror, never
committed).

Environment:
  WG_CORPUS         where everything goes (default ~/.cache/wheel-guard/real-wheels);
                    about 8 GB of wheels, 3 GB of broken copies, venvs
  WG_INSTALLER_SRC  a directory holding the `installer` package (pypa/installer's src/);
                    default: extracted from the bare git dir $WG_INSTALLER_GIT
                    (default /work/.mirror/pypa+installer/repo)
  WG_PYTHON313      a Python 3.13 for the newer pip (default: newest ~/.pyenv/versions/3.13*;
                    set to "" to skip)
  WG_CLI            the wheel-guard bundle to judge (default: dist/cli/index.js of this checkout)
  WG_QUIET_WAIT     seconds a timed command waits at most for other processes to go quiet (600)

Usage (from the repository root):
  npm run real-wheels                      # everything; cached downloads and truth are reused
  npm run real-wheels -- --only-verdicts   # after a wheel-guard change: verdicts, timing, report
  python3 scripts/real-wheels/run.py --help

Time on 2 cores (AMD EPYC, 967 wheels, 8.0 GB): a full run from scratch takes
about 70 minutes (the ground truth is 50 of them: seven tools on every wheel);
a rerun with everything cached, or --only-verdicts, about 5 minutes on a quiet
machine. Each timed command first waits for the machine to be quiet (at most
$WG_QUIET_WAIT seconds, default 600) and is measured again, up to 3 times, if
other processes ran beside it. The report gives the exact figures of its run.
Disk: about 10 GB under $WG_CORPUS, plus up to 2 installs of the largest wheel.
"""
import argparse
import base64
import concurrent.futures
import csv
import glob
import hashlib
import html.parser
import io
import json
import os
import platform
import random
import re
import shutil
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CLI = os.path.abspath(os.environ.get("WG_CLI") or os.path.join(REPO, "dist", "cli", "index.js"))
REPORT = os.path.join(REPO, "docs", "real-wheels.md")
CORPUS = os.path.abspath(os.path.expanduser(os.environ.get("WG_CORPUS") or "~/.cache/wheel-guard/real-wheels"))
WHEELS = os.path.join(CORPUS, "wheels")
SUMS = os.path.join(CORPUS, "SHA256SUMS")
TRUTH = os.path.join(CORPUS, "truth")
BROKEN = os.path.join(CORPUS, "broken")
TMP = os.path.join(CORPUS, "tmp")
RUNS = os.path.join(CORPUS, "runs")
STATE = os.path.join(CORPUS, "state.json")
NPROC = os.cpu_count() or 1
KINDS = ["truncated-random", "truncated-22", "data-byte", "cd-crc-bit", "record-hash-char"]
TOOLS = ["pip311", "pip313", "wheel", "installer_all", "installer_none"]
# pip again, installing the wheel as from an index (--find-links, by name), where pip also checks the name and version
# METADATA gives against the file name's; run only where those differ or are odd, and on the crafted quirks.
INDEX_TOOLS = ["pip311_index", "pip313_index"]
PIPS = ["pip311", "pip313", "pip311_index", "pip313_index"]


def wants_index(path, f):
    return path.startswith(CORPUS + "/odd/") or any(f.get(k) is False for k in (
        "meta_name_matches", "meta_version_matches", "dist_info_name_matches", "dist_info_version_matches", "fn_version_pep440", "fn_valid"))


def false_refusal(t, g):
    """wheel-guard refuses what every pip run installs and installer --validate-record all accepts."""
    return g["verdict"] == "refused" and all(t[p]["ok"] for p in PIPS if p in t) and t["installer_all"]["ok"]


def missed_refusal(t, g):
    """wheel-guard accepts what some pip run or installer --validate-record all refuses."""
    return g["verdict"] in ("accepted", "warned") and (not t["installer_all"]["ok"] or not all(t[p]["ok"] for p in PIPS if p in t))
_print_lock = threading.Lock()


def log(*parts):
    with _print_lock:
        print(time.strftime("%H:%M:%S"), *parts, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, text=True, capture_output=True, **kw)


def load_json(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except (FileNotFoundError, json.JSONDecodeError):
        return default


def save_json(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
    os.replace(path + ".tmp", path)


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def clean_env(**extra):
    """The environment for tools under test: no PIP_* settings, no user config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") and k != "PYTHONPATH"}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1", PYTHONDONTWRITEBYTECODE="1")
    env.update(extra)
    return env


# ---------------------------------------------------------------- environment


class Env:
    """The venvs, the installer source and every tool's version (the truth cache's stamps)."""

    def __init__(self):
        self.py311 = os.path.join(CORPUS, "venv-py3.11", "bin", "python")
        self.py313 = os.path.join(CORPUS, "venv-py3.13", "bin", "python")
        self.installer_src = None
        self.versions = {}
        self.index_args = []
        self.platforms = []

    def setup(self):
        os.makedirs(CORPUS, exist_ok=True)
        self.index_args = pip_index_args()
        if sys.version_info[:2] != (3, 11):
            log(f"warning: this script runs under Python {platform.python_version()}; the 3.11 venv is made with it anyway")
        if not os.path.exists(self.py311):
            log("creating venv-py3.11 (pip from ensurepip, wheel from the mirror)")
            subprocess.run([sys.executable, "-m", "venv", os.path.dirname(os.path.dirname(self.py311))], check=True)
        if run([self.py311, "-c", "import wheel, packaging"]).returncode != 0:
            subprocess.run([self.py311, "-m", "pip", "install", "-q", "--only-binary=:all:", *self.index_args, "wheel", "packaging"], check=True)
        py313 = os.environ.get("WG_PYTHON313")
        if py313 is None:
            found = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.13*/bin/python3.13")))
            py313 = found[-1] if found else ""
        if py313:
            if not os.path.exists(self.py313):
                log(f"creating venv-py3.13 from {py313}, pip upgraded from the mirror")
                subprocess.run([py313, "-m", "venv", os.path.dirname(os.path.dirname(self.py313))], check=True)
                subprocess.run([self.py313, "-m", "pip", "install", "-q", "--upgrade", "--only-binary=:all:", *self.index_args, "pip"], check=True)
        else:
            self.py313 = None
        self.installer_src = installer_source()
        v = self.versions
        v["python311"] = run([self.py311, "-c", "import platform; print(platform.python_version())"]).stdout.strip()
        v["pip311"] = run([self.py311, "-m", "pip", "--version"]).stdout.split()[1]
        if self.py313:
            v["python313"] = run([self.py313, "-c", "import platform; print(platform.python_version())"]).stdout.strip()
            v["pip313"] = run([self.py313, "-m", "pip", "--version"]).stdout.split()[1]
        v["wheel"] = run([self.py311, "-c", "import wheel; print(wheel.__version__)"]).stdout.strip()
        v["packaging"] = run([self.py311, "-c", "import packaging; print(packaging.__version__)"]).stdout.strip()
        v["installer"] = run([self.py311, "-c", "import installer; print(installer.__version__)"], env=clean_env(PYTHONPATH=self.installer_src)).stdout.strip()
        v["installer_commit"] = installer_commit(self.installer_src)
        v["node"] = run(["node", "--version"]).stdout.strip()
        node24 = os.path.join(REPO, "node_modules", ".bin", "node")
        v["node24"] = run([node24, "--version"]).stdout.strip() if os.path.exists(node24) else None
        with open(os.path.join(HERE, "facts.py"), "rb") as f:
            v["facts"] = hashlib.sha256(f.read()).hexdigest()[:12]
        # pip on 3.13 judges the wheels as if for CPython 3.11 on this machine: every platform tag 3.11 accepts.
        self.platforms = json.loads(run([self.py311, "-c", "import json; from packaging import tags; seen = []\n"
                                         "for t in tags.sys_tags():\n    seen.append(t.platform) if t.platform not in seen and t.platform != 'any' else None\n"
                                         "print(json.dumps(seen))"]).stdout)
        log("tools:", ", ".join(f"{k} {val}" for k, val in v.items() if val))

    def stamp(self, tool):
        v = self.versions
        return {
            "facts": f"facts {v['facts']} packaging {v['packaging']}",
            "pip311": f"pip {v['pip311']} python {v['python311']}",
            "pip313": f"pip {v.get('pip313')} python {v.get('python313')}",
            "pip311_index": f"pip {v['pip311']} python {v['python311']} index",
            "pip313_index": f"pip {v.get('pip313')} python {v.get('python313')} index",
            "wheel": f"wheel {v['wheel']}",
            "installer_all": f"installer {v['installer']} {v['installer_commit']} all",
            "installer_none": f"installer {v['installer']} {v['installer_commit']} none",
        }[tool]

    def command(self, tool, wheel, tmp):
        pip = ["-m", "pip", "install", "--no-deps", "--no-index", "--no-compile", "--ignore-requires-python", "--no-cache-dir", "--target", tmp]
        cross = ["--python-version", "3.11", "--implementation", "cp", "--abi", "cp311", "--only-binary=:all:"]
        for p in self.platforms:
            cross += ["--platform", p]
        if tool.endswith("_index"):
            # The wheel alone in a find-links directory, asked for by the file name's project name.
            links = os.path.join(tmp, "links")
            os.makedirs(links)
            try:
                os.link(wheel, os.path.join(links, os.path.basename(wheel)))
            except OSError:
                shutil.copy(wheel, links)
            pip = [*pip[:-1], os.path.join(tmp, "target"), "--find-links", links]
            wheel = os.path.basename(wheel).split("-")[0]
        if tool.startswith("pip311"):
            return [self.py311, *pip, wheel], clean_env()
        if tool.startswith("pip313"):
            return [self.py313, *pip, *cross, wheel], clean_env()
        if tool == "wheel":
            return [self.py311, "-m", "wheel", "unpack", "--dest", tmp, wheel], clean_env()
        if tool.startswith("installer_"):
            mode = tool.split("_")[1]
            return ([self.py311, "-m", "installer", "--validate-record", mode, "--no-compile-bytecode", "--destdir", tmp, wheel],
                    clean_env(PYTHONPATH=self.installer_src))
        raise ValueError(tool)


def pip_config():
    out = run([sys.executable, "-m", "pip", "config", "list"]).stdout
    config = {}
    for line in out.splitlines():
        m = re.match(r"^[^=]*?\.([\w-]+)='(.*)'$", line)
        if m:
            config.setdefault(m.group(1), m.group(2))
    return config


def pip_index_args():
    """pip's configured file:// indexes, as index + extra indexes: the default index
    (pypi.org) is unreachable here and pip would wait on it for every project."""
    config = pip_config()
    urls = (config.get("index-url", "") + " " + config.get("extra-index-url", "")).split()
    local = [u for u in urls if u.startswith("file:")]
    if not local:
        return []
    args = ["--index-url", local[0]]
    for u in local[1:]:
        args += ["--extra-index-url", u]
    return args


def installer_source():
    src = os.environ.get("WG_INSTALLER_SRC")
    if src:
        if not os.path.isdir(os.path.join(src, "installer")):
            sys.exit(f"WG_INSTALLER_SRC={src} holds no installer/ package")
        return os.path.abspath(src)
    git_dir = os.environ.get("WG_INSTALLER_GIT", "/work/.mirror/pypa+installer/repo")
    commit = run(["git", "--git-dir", git_dir, "rev-parse", "HEAD"]).stdout.strip()
    if not commit:
        sys.exit(f"no installer source: set WG_INSTALLER_SRC, or WG_INSTALLER_GIT to a git dir of pypa/installer (tried {git_dir})")
    dest = os.path.join(CORPUS, f"installer-{commit[:12]}")
    if not os.path.isdir(os.path.join(dest, "src", "installer")):
        os.makedirs(dest, exist_ok=True)
        archive = subprocess.run(["git", "--git-dir", git_dir, "archive", commit, "src"], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", dest], input=archive, check=True)
        with open(os.path.join(dest, "COMMIT"), "w") as f:
            f.write(commit + "\n")
    return os.path.join(dest, "src")


def installer_commit(src):
    marker = os.path.join(os.path.dirname(src), "COMMIT")
    if os.path.exists(marker):
        return open(marker).read().strip()[:12]
    return run(["git", "-C", src, "rev-parse", "--short=12", "HEAD"]).stdout.strip() or "unknown"


# ---------------------------------------------------------------- 1. gather


class Anchors(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links.append(dict(attrs).get("href", ""))


def list_indexes():
    """Every wheel the configured indexes and find-links directories hold: {filename: entry}."""
    config = pip_config()
    wanted = {}
    urls = (config.get("index-url", "") + " " + config.get("extra-index-url", "")).split()
    for url in [u for u in urls if u.startswith("file:")]:
        root = urllib.request.url2pathname(urllib.parse.urlparse(url).path)
        for project in sorted(os.listdir(root)):
            page = os.path.join(root, project, "index.html")
            if not os.path.exists(page):
                continue
            parser = Anchors()
            parser.feed(open(page, encoding="utf-8").read())
            for href in parser.links:
                link = urllib.parse.urljoin(urllib.parse.urljoin(url.rstrip("/") + "/", project + "/"), href)
                path, _, fragment = link.partition("#")
                name = urllib.parse.unquote(path.rsplit("/", 1)[-1])
                if name.endswith(".whl"):
                    wanted.setdefault(name, {"project": project, "url": link, "source": url,
                                             "index_sha256": fragment[7:] if fragment.startswith("sha256=") else None})
    for links in config.get("find-links", "").split():
        root = urllib.request.url2pathname(urllib.parse.urlparse(links).path) if links.startswith("file:") else links
        for name in sorted(os.listdir(root)) if os.path.isdir(root) else []:
            if name.endswith(".whl"):
                wanted.setdefault(name, {"project": re.sub(r"[-_.]+", "-", name.split("-")[0]).lower(),
                                         "url": "file://" + urllib.request.pathname2url(os.path.join(os.path.abspath(root), name)),
                                         "source": links, "index_sha256": None})
    return wanted


def gather(env, state, limit=None):
    started = time.monotonic()
    wanted = list_indexes()
    if limit:  # a quick trial: every k-th wheel
        keep = sorted(wanted)[:: max(1, len(wanted) // limit)][:limit]
        wanted = {n: wanted[n] for n in keep}
    corpus = load_json(os.path.join(CORPUS, "corpus.json"), {})
    os.makedirs(WHEELS, exist_ok=True)
    present = set(os.listdir(WHEELS))
    for stale in sorted(n for n in present if n.endswith(".whl") and n not in wanted):
        log(f"removing {stale}: no longer in the indexes")
        os.remove(os.path.join(WHEELS, stale))
    missing = {n: e for n, e in wanted.items() if n not in present}
    need = sum(os.path.getsize(urllib.request.url2pathname(urllib.parse.urlparse(e["url"]).path)) for e in missing.values())
    free = shutil.disk_usage(CORPUS).free
    log(f"indexes list {len(wanted)} wheels; {len(missing)} to download ({need / 1e9:.1f} GB; {free / 1e9:.0f} GB free)")
    if need + 15e9 > free:
        sys.exit(f"not enough disk under {CORPUS}: need {need / 1e9:.1f} GB + 15 GB of room for installs and broken copies")
    pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--progress-bar", "off", "--dest", WHEELS, *env.index_args]

    def download(reqs, via):
        """pip download a batch; a batch that fails is halved until the failing requirement stands alone."""
        if not reqs:
            return
        result = run(pip + reqs)
        if result.returncode == 0:
            return
        if len(reqs) == 1:
            failures[reqs[0]] = first_error(result.stdout + result.stderr)
            return
        download(reqs[: len(reqs) // 2], via)
        download(reqs[len(reqs) // 2:], via)

    failures = {}
    # Round k asks for the k-th version of every project still missing one: one requirement per project per pip run.
    by_project = {}
    for name, entry in sorted(missing.items()):
        version = name.split("-")[1]
        by_project.setdefault(entry["project"], [])
        if version not in by_project[entry["project"]]:
            by_project[entry["project"]].append(version)
    rounds = max((len(v) for v in by_project.values()), default=0)
    for k in range(rounds):
        reqs = [f"{project}=={versions[k]}" for project, versions in sorted(by_project.items()) if k < len(versions)]
        log(f"pip download round {k + 1}/{rounds}: {len(reqs)} requirements")
        download(reqs, "name==version")
    present = set(os.listdir(WHEELS))
    for name in missing:
        if name in present:
            corpus[name] = {**wanted[name], "via": "pip download name==version"}
    # Files pip did not pick by name==version (a second file of one version, a version pip would not parse): by URL.
    for name in sorted(n for n in missing if n not in present):
        url = wanted[name]["url"]
        result = run(pip + [url])
        if result.returncode == 0 and os.path.exists(os.path.join(WHEELS, name)):
            corpus[name] = {**wanted[name], "via": "pip download URL"}
            continue
        reason = first_error(result.stdout + result.stderr)
        log(f"pip download refuses {name}: {reason}; copied from the index's file instead")
        shutil.copy2(urllib.request.url2pathname(urllib.parse.urlparse(url).path), os.path.join(WHEELS, name))
        corpus[name] = {**wanted[name], "via": f"copied (pip download refused: {reason})"}
    for req, reason in sorted(failures.items()):
        log(f"pip download {req} failed alone: {reason}")
    for name in wanted:
        corpus.setdefault(name, {**wanted[name], "via": "pip download name==version"})
    corpus = {n: corpus[n] for n in sorted(wanted)}
    save_json(os.path.join(CORPUS, "corpus.json"), corpus)
    state.setdefault("phases", {})["gather"] = {"seconds": round(time.monotonic() - started, 1), "downloaded": len(missing)}
    return corpus


# ---------------------------------------------------------------- 2. sums


def write_sums(directory, target):
    names = sorted(n for n in os.listdir(directory) if n.endswith(".whl"))
    out = subprocess.run(["sha256sum", "--", *names], cwd=directory, check=True, capture_output=True, text=True).stdout
    with open(target, "w") as f:
        f.write(out)
    return {line[66:]: line[:64] for line in out.splitlines()}


# ---------------------------------------------------------------- 3. truth


def first_error(text):
    """The line that says why a tool refused: pip's first ERROR line, else a traceback's last line, else the first line."""
    text = re.sub(r"(file://)?" + re.escape(TMP) + r"/[^/\s]+/", "", text).replace(CORPUS + "/", "")
    text = re.sub(r"Unpacking to: \S*?\.\.\.", "", text)  # wheel unpack prints this before its error, on the same line
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    discarded = [l.split(": ", 1)[1] for l in lines if l.startswith("Discarding ") and ": " in l]  # pip's real reason, from an index
    if discarded:
        return discarded[0][:400]
    errors = [l for l in lines if l.startswith("ERROR:") and l not in ("ERROR: Exception:",)]
    if errors:
        return errors[0][:400]
    if any(l.startswith("Traceback") for l in lines):
        tail = [l for l in lines if not set(l) <= set("^~ ")]
        return tail[-1][:400]
    return (lines[0] if lines else "")[:400]


def truth_path(name, sha):
    """The cache is keyed by content and file name: pip reads the name, and two crafted copies differ only by it."""
    return os.path.join(TRUTH, f"{sha}-{hashlib.sha256(name.encode()).hexdigest()[:8]}.json")


def load_truth(name, sha):
    path, old = truth_path(name, sha), os.path.join(TRUTH, f"{sha}.json")  # old: the first layout, keyed by content alone
    if not os.path.exists(path) and (load_json(old) or {}).get("file") == name:
        try:
            os.replace(old, path)
        except FileNotFoundError:
            pass
    return load_json(path)


def truth_for(env, path, sha, tools_wanted):
    """Runs every stale tool on one wheel; returns the cached-and-updated truth record."""
    name = os.path.basename(path)
    file = truth_path(name, sha)
    record = load_truth(name, sha) or {}
    if record.get("file") != name:
        record = {"file": name, "sha256": sha, "size": os.path.getsize(path)}
    changed = False
    if (record.get("facts") or {}).get("_stamp") != env.stamp("facts"):
        result = run([env.py311, os.path.join(HERE, "facts.py"), path], env=clean_env(), timeout=3600)
        try:
            record["facts"] = json.loads(result.stdout)
        except json.JSONDecodeError:
            record["facts"] = {"error": first_error(result.stderr)}
        record["facts"]["_stamp"] = env.stamp("facts")
        changed = True
    if wants_index(path, record["facts"]):
        tools_wanted = tools_wanted + [t for t in INDEX_TOOLS if t != "pip313_index" or env.py313]
    for tool in tools_wanted:
        if (record.get(tool) or {}).get("_stamp") == env.stamp(tool):
            continue
        tmp = os.path.join(TMP, os.path.basename(file)[:-5] + "-" + tool)  # per content and name, as the cache
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        cmd, cmd_env = env.command(tool, path, tmp)
        began = time.monotonic()
        try:
            result = run(cmd, env=cmd_env, cwd=tmp, timeout=3600)
            rc, output = result.returncode, result.stdout + result.stderr
        except subprocess.TimeoutExpired:
            rc, output = -1, "timed out after 3600 s"
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        record[tool] = {"ok": rc == 0, "rc": rc, "first": None if rc == 0 else first_error(output),
                        "tail": None if rc == 0 else output[-1500:], "seconds": round(time.monotonic() - began, 2), "_stamp": env.stamp(tool)}
        changed = True
    if changed:
        save_json(file, record)
    return record


def truth_all(env, items, label):
    """items: [(path, sha)] -> {(file name, sha): truth}; largest first so the pool ends together."""
    tools = [t for t in TOOLS if t != "pip313" or env.py313]
    items = sorted(items, key=lambda it: -os.path.getsize(it[0]))
    os.makedirs(TMP, exist_ok=True)
    results, done, started = {}, 0, time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(NPROC) as pool:
        futures = {pool.submit(truth_for, env, path, sha, tools): (os.path.basename(path), sha) for path, sha in items}
        for future in concurrent.futures.as_completed(futures):
            results[futures[future]] = future.result()
            done += 1
            if done % 50 == 0 or done == len(items):
                log(f"truth ({label}): {done}/{len(items)} in {time.monotonic() - started:.0f} s")
    return results


# ---------------------------------------------------------------- 4. broken copies


def u16(b, o):
    return struct.unpack_from("<H", b, o)[0]


def u32(b, o):
    return struct.unpack_from("<I", b, o)[0]


def central_directory(data):
    """[(name, entry offset, local header offset, compressed size, size)] of a zip without zip64."""
    eocd = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))
    count, offset = u16(data, eocd + 10), u32(data, eocd + 16)
    entries = []
    for _ in range(count):
        assert data[offset:offset + 4] == b"PK\x01\x02"
        n, m, k = u16(data, offset + 28), u16(data, offset + 30), u16(data, offset + 32)
        entries.append((data[offset + 46:offset + 46 + n].decode("utf-8", "replace"), offset, u32(data, offset + 42), u32(data, offset + 20), u32(data, offset + 24)))
        offset += 46 + n + m + k
    return entries


def reads_differently(data, member, original):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.read(member) != original
    except Exception:  # noqa: BLE001 - a read that fails is the damage showing
        return True


def damage(kind, data, rng):
    """Returns (damaged bytes, detail) for one kind of damage."""
    if kind == "truncated-random":
        cut = rng.randrange(1, len(data))
        return data[:cut], f"cut at byte {cut} of {len(data)}"
    if kind == "truncated-22":
        return data[:-22], f"last 22 bytes cut ({len(data)} -> {len(data) - 22})"
    entries = [e for e in central_directory(data) if not e[0].endswith("/") and e[4] > 0]
    if kind == "data-byte":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for _ in range(50):
                name, _, local, csize, _ = rng.choice(entries)
                start = local + 30 + u16(data, local + 26) + u16(data, local + 28)
                pos = start + rng.randrange(csize)
                damaged = bytearray(data)
                damaged[pos] ^= rng.randrange(1, 256)
                if reads_differently(bytes(damaged), name, archive.read(name)):
                    return bytes(damaged), f"byte {pos} ({pos - start} into the data of {name}, {csize} bytes compressed) flipped"
        raise RuntimeError("no flip changed a member")
    if kind == "cd-crc-bit":
        name, entry, _, _, _ = rng.choice(entries)
        pos, bit = entry + 16 + rng.randrange(4), rng.randrange(8)
        damaged = bytearray(data)
        damaged[pos] ^= 1 << bit
        return bytes(damaged), f"bit {bit} of byte {pos} flipped: the central directory's CRC-32 of {name}"
    if kind == "record-hash-char":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            record_name = [i.filename for i in infos if re.fullmatch(r"[^/]+\.dist-info/RECORD", i.filename)][0]
            text = archive.read(record_name).decode("utf-8")
            names = {i.filename for i in infos if i.file_size > 0}
            rows = [r for r in csv.reader(io.StringIO(text)) if len(r) >= 2 and r[0] in names and r[1].startswith("sha256=")
                    and f"{r[0]},{r[1]}" in text]
            path, digest = rng.choice(rows)[:2]
            at = text.index(f"{path},{digest}") + len(path) + 1 + len("sha256=")
            i = rng.randrange(len(digest) - len("sha256=") - 1)  # never the last character: its low bits may be padding
            alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
            new_char = rng.choice([c for c in alphabet if c != text[at + i]])
            new_text = text[: at + i] + new_char + text[at + i + 1:]
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w") as rebuilt:
                for info in infos:
                    copy = zipfile.ZipInfo(info.filename, info.date_time)
                    copy.compress_type, copy.external_attr, copy.create_system = info.compress_type, info.external_attr, info.create_system
                    rebuilt.writestr(copy, new_text.encode("utf-8") if info.filename == record_name else archive.read(info))
            return out.getvalue(), f"RECORD's sha256 of {path}: character {i} {text[at + i]!r} -> {new_char!r} (zip rebuilt, consistent)"
    raise ValueError(kind)


def family(generator):
    if not generator:
        return "(none)"
    return re.split(r"[\s(/]", generator.strip(), maxsplit=1)[0].lower()


def choose_sample(truth, count, max_bytes, seed):
    """count wheels spread over sizes (equal-count size buckets) and generators (least used first)."""
    rng = random.Random(seed)
    eligible = []
    for sha, t in truth.items():
        f = t["facts"]
        if (t["size"] <= max_bytes and not f.get("error") and not f.get("zip64") and f["testzip"]["ok"]
                and all(t[x]["ok"] for x in ("pip311", "installer_all", "wheel"))
                and f.get("record_rows", 0) > 1 and f.get("comment_bytes", 0) == 0):
            eligible.append((t["size"], t["file"], sha, family(f.get("generator"))))
    eligible.sort()
    buckets = [eligible[i * len(eligible) // count:(i + 1) * len(eligible) // count] for i in range(count)]
    used, chosen = {}, []
    for bucket in buckets:
        rng.shuffle(bucket)
        bucket.sort(key=lambda e: used.get(e[3], 0))
        if bucket:
            chosen.append(bucket[0])
            used[bucket[0][3]] = used.get(bucket[0][3], 0) + 1
    return chosen


def make_broken(truth, count, max_bytes, seed):
    manifest_file = os.path.join(BROKEN, "manifest.json")
    manifest = load_json(manifest_file, {})
    sample = choose_sample(truth, count, max_bytes, seed)
    key = {"seed": seed, "count": count, "max_bytes": max_bytes, "sample": [s[2] for s in sample]}
    if manifest.get("key") == key and all(os.path.exists(os.path.join(BROKEN, c["kind"], c["file"])) for c in manifest["copies"]):
        return manifest
    log(f"making broken copies of {len(sample)} wheels ({sum(s[0] for s in sample) / 1e6:.0f} MB) x {len(KINDS)} kinds")
    shutil.rmtree(BROKEN, ignore_errors=True)
    copies = []
    for kind in KINDS:
        os.makedirs(os.path.join(BROKEN, kind))
    for size, name, sha, fam in sample:
        with open(os.path.join(WHEELS, name), "rb") as f:
            data = f.read()
        for kind in KINDS:
            rng = random.Random(f"{seed}-{sha}-{kind}")
            damaged, detail = damage(kind, data, rng)
            target = os.path.join(BROKEN, kind, name)
            with open(target, "wb") as f:
                f.write(damaged)
            copies.append({"kind": kind, "file": name, "original_sha256": sha, "sha256": hashlib.sha256(damaged).hexdigest(),
                           "size": len(damaged), "generator": fam, "detail": detail})
    for kind in KINDS:
        write_sums(os.path.join(BROKEN, kind), os.path.join(BROKEN, f"{kind}.SHA256SUMS"))
    manifest = {"key": key, "copies": copies}
    save_json(manifest_file, manifest)
    return manifest


# ---------------------------------------------------------------- 4b. crafted quirks

ODD_KINDS = {
    "rebuilt-unchanged": "control: the zip and RECORD rebuilt, nothing else changed",
    "tags-differ": "WHEEL's Tag: lines name other tags than the file name (platform wheels: linux_x86_64, as before auditwheel "
                   "renamed the file; pure wheels: py2-none-any)",
    "signature-listed-no-hash": ".dist-info/RECORD.jws added and listed in RECORD with no hash or size",
    "signature-unlisted": ".dist-info/RECORD.jws added and not listed in RECORD",
    "record-no-sizes": "every RECORD row keeps its hash and loses its size",
    "record-md5": "every RECORD hash is md5=",
    "record-sha1": "every RECORD hash is sha1=",
    "record-sha512": "every RECORD hash is sha512=",
    "metadata-version-differs": "METADATA Version: is the file name's + .post99 (.dist-info keeps the file name's)",
    "metadata-name-differs": "METADATA Name: is the file name's + -other",
    "filename-version-differs": "the file renamed to version + .post99 (.dist-info and METADATA keep the old one)",
    "invalid-pep440-version": "version + .x (not PEP 440) in the file name, the .dist-info name and METADATA alike",
    "wheel-version-1.9": "Wheel-Version: 1.9",
    "wheel-version-2.0": "Wheel-Version: 2.0",
    "member-unlisted": "one member's row removed from RECORD",
    "record-lists-missing": "RECORD lists a file the archive lacks",
}
ODD = os.path.join(CORPUS, "odd")

# Quirks where wheel-guard parts from pip and `installer --validate-record all` on purpose, with the rule of
# issue 11 that says so. They are shown as such, not counted as false or missed refusals.
BY_DESIGN = {
    "signature-listed-no-hash": "warned by design: a signature file listed in RECORD without a hash is installed by pip and by "
                                "installer's CLI (validation off); the issue names it a warning",
    "record-no-sizes": "warned by design: pip and installer's CLI install it and every hash is still checked; installer's "
                       "optional validation refuses it",
    "record-lists-missing": "refused by design: the install would lack a file RECORD promises (issue 11: a member missing from "
                            "or added to RECORD is refused)",
}


def craft(src, kind):
    """One real wheel, rebuilt with one quirk and a RECORD that matches everything else: (file name, bytes)."""
    name = os.path.basename(src)
    parts = name[:-4].split("-")
    dist, version, tag = parts[0], parts[1], parts[-3:]
    with zipfile.ZipFile(src) as archive:
        members = [(i, archive.read(i)) for i in archive.infolist() if not i.filename.endswith("/")]
    di = [i.filename.split("/")[0] for i, _ in members if re.fullmatch(r"[^/]+\.dist-info/RECORD", i.filename)][0]
    files = {i.filename: data for i, data in members}
    infos = {i.filename: i for i, _ in members}
    order = [i.filename for i, _ in members if i.filename != f"{di}/RECORD"]
    algo, sizes, extra_rows, unlisted = "sha256", True, [], set()

    def edit_header(member, key, value):
        text = files[member].decode("utf-8")
        text = re.sub(rf"(?m)^{key}:.*$", f"{key}: {value}", text, count=1)
        files[member] = text.encode("utf-8")

    if kind == "tags-differ":
        tags = [f"{tag[0]}-{tag[1]}-linux_x86_64"] if tag[2] != "any" else ["py2-none-any"]
        text = re.sub(r"(?m)^Tag:.*\n", "", files[f"{di}/WHEEL"].decode("utf-8"))
        files[f"{di}/WHEEL"] = (text.rstrip("\n") + "\n" + "".join(f"Tag: {t}\n" for t in tags)).encode("utf-8")
    elif kind.startswith("signature-"):
        files[f"{di}/RECORD.jws"] = b'{"protected": "", "payload": "", "signature": ""}\n'
        order.append(f"{di}/RECORD.jws")
        if kind == "signature-unlisted":
            unlisted.add(f"{di}/RECORD.jws")
        else:
            extra_rows.append((f"{di}/RECORD.jws", "", ""))
            unlisted.add(f"{di}/RECORD.jws")
    elif kind == "record-no-sizes":
        sizes = False
    elif kind.startswith("record-") and kind[7:] in ("md5", "sha1", "sha512"):
        algo = kind[7:]
    elif kind == "metadata-version-differs":
        edit_header(f"{di}/METADATA", "Version", version + ".post99")
    elif kind == "metadata-name-differs":
        edit_header(f"{di}/METADATA", "Name", dist.replace("_", "-") + "-other")
    elif kind == "filename-version-differs":
        name = "-".join([dist, version + ".post99", *parts[2:]]) + ".whl"
    elif kind == "invalid-pep440-version":
        bad = version + ".x"
        new_di = f"{di[: -len('.dist-info')].rsplit('-', 1)[0]}-{bad}.dist-info"
        files = {(new_di + k[len(di):] if k.startswith(di + "/") else k): v for k, v in files.items()}
        infos = {(new_di + k[len(di):] if k.startswith(di + "/") else k): v for k, v in infos.items()}
        order = [new_di + k[len(di):] if k.startswith(di + "/") else k for k in order]
        di = new_di
        edit_header(f"{di}/METADATA", "Version", bad)
        name = "-".join([dist, bad, *parts[2:]]) + ".whl"
    elif kind == "wheel-version-1.9":
        edit_header(f"{di}/WHEEL", "Wheel-Version", "1.9")
    elif kind == "wheel-version-2.0":
        edit_header(f"{di}/WHEEL", "Wheel-Version", "2.0")
    elif kind == "member-unlisted":
        unlisted.add([k for k in order if not k.startswith(di + "/")][0])
    elif kind == "record-lists-missing":
        first = [k for k in order if not k.startswith(di + "/")][0]
        missing = (first.split("/")[0] + "/" if "/" in first else "") + "not_in_the_archive.py"
        extra_rows.append((missing, "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU", "0"))  # the sha256 of b""
    elif kind != "rebuilt-unchanged":
        raise ValueError(kind)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for k in order:
        if k in unlisted:
            continue
        digest = base64.urlsafe_b64encode(hashlib.new(algo, files[k]).digest()).rstrip(b"=").decode()
        writer.writerow((k, f"{algo}={digest}", str(len(files[k])) if sizes else ""))
    for row in extra_rows:
        writer.writerow(row)
    writer.writerow((f"{di}/RECORD", "", ""))
    files[f"{di}/RECORD"] = out.getvalue().encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as rebuilt:
        for k in order + [f"{di}/RECORD"]:
            info = zipfile.ZipInfo(k, infos[k].date_time if k in infos else (2020, 2, 2, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = infos[k].external_attr if k in infos else 0o644 << 16
            rebuilt.writestr(info, files[k])
    return name, buffer.getvalue()


def make_odd(truth):
    """Crafted quirks on a few small, clean wheels of different build backends (one directory per kind)."""
    manifest_file = os.path.join(ODD, "manifest.json")
    clean = []
    for sha, t in truth.items():
        f = t["facts"]
        if (t["size"] < 3e6 and all(t[x]["ok"] for x in ("pip311", "installer_all", "wheel")) and f["testzip"]["ok"]
                and f.get("wheel_tags_match") and not f.get("signatures") and f.get("record_no_size_count") == 0
                and set(f.get("record_algorithms") or {}) == {"sha256"} and f.get("meta_version_matches") and f.get("fn_valid")
                and f.get("name_parts") == 5 and "+" not in f.get("fn_version", "+")):
            clean.append((t["size"], t["file"], sha, family(f.get("generator")), t["file"].endswith("-any.whl")))
    clean.sort()
    bases = []
    for fam, pure in (("setuptools", True), ("hatchling", True), ("flit", True), ("poetry", True), ("maturin", False), ("setuptools", False), ("meson", False)):
        pick = [c for c in clean if c[3] == fam and c[4] == pure and c not in bases]
        if pick:
            bases.append(pick[len(pick) // 2])
    key = {"bases": [b[2] for b in bases], "kinds": list(ODD_KINDS), "craft": hashlib.sha256(open(__file__, "rb").read().split(b"def craft")[1].split(b"def make_odd")[0]).hexdigest()[:12]}
    manifest = load_json(manifest_file, {})
    if manifest.get("key") == key and all(os.path.exists(os.path.join(ODD, c["kind"], c["file"])) for c in manifest["copies"]):
        return manifest
    log(f"crafting {len(ODD_KINDS)} quirks on {len(bases)} wheels")
    shutil.rmtree(ODD, ignore_errors=True)
    copies = []
    for kind in ODD_KINDS:
        os.makedirs(os.path.join(ODD, kind))
        for _, base, sha, fam, pure in bases:
            name, data = craft(os.path.join(WHEELS, base), kind)
            with open(os.path.join(ODD, kind, name), "wb") as f:
                f.write(data)
            copies.append({"kind": kind, "file": name, "base": base, "generator": fam, "sha256": hashlib.sha256(data).hexdigest()})
        write_sums(os.path.join(ODD, kind), os.path.join(ODD, f"{kind}.SHA256SUMS"))
    manifest = {"key": key, "copies": copies}
    save_json(manifest_file, manifest)
    return manifest


# ---------------------------------------------------------------- 5/6. wheel-guard and timing


def snapshot_bundle():
    """Other sessions rebuild dist/ while this runs: every verdict and timing of a run uses one copy of it."""
    global CLI
    if os.environ.get("WG_CLI"):
        return
    dest = os.path.join(CORPUS, "bundle")
    for attempt in range(3):
        shutil.rmtree(dest, ignore_errors=True)
        try:
            shutil.copytree(os.path.join(REPO, "dist"), os.path.join(dest, "dist"))
            break
        except (shutil.Error, OSError):  # dist/ swapped by a build mid-copy
            time.sleep(5)
    CLI = os.path.join(dest, "dist", "cli", "index.js")


def verify_command(node, directory, sums):
    return [node, CLI, "verify", directory, "--sha256sums", sums, "--pattern", "*.whl"]


def parse_verdicts(stdout, stderr, names):
    """{file: {"verdict": accepted|warned|refused|unknown, "errors": [...], "warnings": [...]}}, plus lines naming no file."""
    out = {n: {"errors": [], "warnings": [], "ok": False} for n in names}
    unattributed = []
    for line in stderr.splitlines():
        m = re.match(r"^(error|warning): (.*)$", line)
        if m:
            text = m.group(2)
            f = re.match(r"^(\S+?\.whl)(?::|\s)", text)
            base = os.path.basename(f.group(1)) if f else None
            if base in out:
                out[base]["errors" if m.group(1) == "error" else "warnings"].append(text[len(f.group(1)):].lstrip(": ").strip())
            else:
                unattributed.append(line)
            continue
        m = re.match(r"^ok\s+(\S+\.whl)", line)
        if m and m.group(1) in out:
            out[m.group(1)]["ok"] = True
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) >= 5 and parts[0] in out and "verified" in parts:
            out[parts[0]]["ok"] = True
    for v in out.values():
        v["verdict"] = "refused" if v["errors"] else "warned" if v["warnings"] else "accepted" if v["ok"] else "unknown"
    return out, unattributed


def timed(label, cmd, cwd, run_dir, shell=False):
    """Runs cmd under /usr/bin/time -v; returns wall, cpu, rss and the captured output."""
    tfile = os.path.join(run_dir, f"{label}.time")
    out_file, err_file = os.path.join(run_dir, f"{label}.stdout"), os.path.join(run_dir, f"{label}.stderr")
    full = ["/usr/bin/time", "-v", "-o", tfile] + (["sh", "-c", cmd] if shell else cmd)
    began, busy0 = time.monotonic(), system_busy_seconds()
    with open(out_file, "w") as out, open(err_file, "w") as err:
        rc = subprocess.run(full, cwd=cwd, stdout=out, stderr=err).returncode
    wall, busy_all = time.monotonic() - began, system_busy_seconds() - busy0
    t = open(tfile).read()

    def field(name):
        m = re.search(re.escape(name) + r":\s*([\d.:]+)", t)
        return m.group(1) if m else "0"

    user, system = float(field("User time (seconds)")), float(field("System time (seconds)"))
    rss = int(field("Maximum resident set size (kbytes)")) * 1024
    busy = other_cpu_load()
    if busy:
        log("busy beside it: " + "; ".join(busy))
    log(f"timing {label}: {wall:.1f} s wall, {user + system:.1f} s CPU, {rss / 2**20:.0f} MiB peak RSS, exit {rc}; "
        f"{max(0.0, busy_all - user - system):.1f} CPU s of other processes meanwhile")
    return {"label": label, "wall": round(wall, 2), "load": os.getloadavg()[0], "others": busy,
            "other_cpu": round(max(0.0, busy_all - user - system), 1), "cpu": round(user + system, 2), "user": user, "sys": system, "rss": rss, "rc": rc,
            "stdout": open(out_file).read(), "stderr": open(err_file).read()}


def system_busy_seconds():
    """CPU seconds the whole machine has spent busy since boot (/proc/stat), to tell what else ran beside a timing."""
    fields = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def other_cpu_load(seconds=1.0):
    """Processes not of this run busy over the next second (another session's benchmark skews the timing)."""
    def ticks():
        out = {}
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                try:
                    stat = open(f"/proc/{pid}/stat").read()
                    fields = stat[stat.rindex(")") + 2:].split()
                    out[int(pid)] = (int(fields[1]), int(fields[11]) + int(fields[12]))  # ppid, utime + stime
                except (OSError, ValueError, IndexError):
                    pass
        return out

    before = ticks()
    time.sleep(seconds)
    after = ticks()
    hz = os.sysconf("SC_CLK_TCK")

    def ours(pid):
        while pid > 1:
            if pid == os.getpid():
                return True
            pid = after.get(pid, before.get(pid, (1, 0)))[0]
        return False

    busy = []
    for pid, (_, t) in after.items():
        share = (t - before.get(pid, (0, 0))[1]) / hz / seconds
        if share >= 0.2 and not ours(pid):
            try:
                cmd = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
            except OSError:
                cmd = "?"
            busy.append(f"{cmd[:100]} ({share * 100:.0f}% CPU)")
    return busy


def wait_quiet(limit=float(os.environ.get("WG_QUIET_WAIT", "600")), threshold=0.2):
    """Waits (at most limit seconds) until other processes use under threshold of a core over 5 s."""
    began = time.monotonic()
    while True:
        busy0 = system_busy_seconds()
        time.sleep(5)
        load = (system_busy_seconds() - busy0) / 5
        if load < threshold:
            return
        if time.monotonic() - began > limit:
            log(f"the machine is still busy ({load:.1f} cores) after {limit:.0f} s: measuring anyway")
            return
        if time.monotonic() - began < 6:
            log(f"waiting for other processes to go quiet ({load:.1f} cores busy)")


def timing(env, names, run_dir, repeats):
    total = sum(os.path.getsize(os.path.join(WHEELS, n)) for n in names)
    log(f"warming the page cache ({total / 1e9:.1f} GB)")
    for n in names:
        with open(os.path.join(WHEELS, n), "rb") as f:
            while f.read(8 << 20):
                pass
    quoted = " ".join("'" + n.replace("'", "'\\''") + "'" for n in names)
    commands = [
        ("sha256sum", ["sha256sum", "--", *names], False),
        ("openssl-sha256", ["openssl", "dgst", "-sha256", *names], False),
        (f"sha256sum-xargs-P{NPROC}", f"printf '%s\\0' {quoted} | xargs -0 -n 4 -P {NPROC} sha256sum > /dev/null", True),
        ("python-loop", [sys.executable, os.path.join(HERE, "python-loop.py"), WHEELS], False),
        ("verify", verify_command("node", WHEELS, SUMS), False),
    ]
    node24 = os.path.join(REPO, "node_modules", ".bin", "node")
    if env.versions.get("node24"):
        commands.append(("verify-node24", verify_command(node24, WHEELS, SUMS), False))
    results = {}
    for round_ in range(repeats):
        for label, cmd, shell in commands:
            # Another session's benchmark on a 2-core machine doubles every figure: wait for quiet, and measure
            # again (up to 3 times) when others still took more than a tenth of the command's own CPU time.
            attempts = []
            for attempt in range(3):
                wait_quiet()
                attempts.append(timed(f"{label}-{round_ + 1}.{attempt + 1}", cmd, WHEELS, run_dir, shell))
                if attempts[-1]["other_cpu"] <= 0.1 * attempts[-1]["cpu"] + 0.5:
                    break
                log(f"{label}: other processes took {attempts[-1]['other_cpu']:.1f} CPU s meanwhile; measuring again")
            results.setdefault(label, []).append(min(attempts, key=lambda r: r["other_cpu"]))
    summary = {}
    for label, runs in results.items():
        best = sorted(runs, key=lambda r: r["wall"])[len(runs) // 2]  # the median run
        summary[label] = {k: best[k] for k in ("wall", "cpu", "rss", "rc", "load", "others", "other_cpu")}
        summary[label]["walls"] = [r["wall"] for r in runs]
    return summary, results["verify"][0], total


# ---------------------------------------------------------------- 7. report


def machine():
    cpuinfo = open("/proc/cpuinfo").read()
    model = re.search(r"model name\s*:\s*(.*)", cpuinfo)
    flags = re.search(r"flags\s*:\s*(.*)", cpuinfo)
    mem = re.search(r"MemTotal:\s*(\d+)", open("/proc/meminfo").read())
    return {"nproc": NPROC, "cpu": model.group(1).strip() if model else platform.processor(),
            "sha_ni": bool(flags and "sha_ni" in flags.group(1).split()), "mem_gib": round(int(mem.group(1)) / 2**20, 1) if mem else None,
            "kernel": platform.release()}


def git_state():
    """HEAD, and whether the bundle judged differs from HEAD's dist/cli/index.js (another session's build not yet committed)."""
    head = run(["git", "-C", REPO, "rev-parse", "--short=12", "HEAD"]).stdout.strip()
    committed = subprocess.run(["git", "-C", REPO, "show", "HEAD:dist/cli/index.js"], capture_output=True).stdout
    return head, hashlib.sha256(committed).hexdigest() != sha256_file(CLI)


def md_escape(text, limit=220):
    text = (text or "").replace("|", "\\|").replace("\n", " ").replace("`", "'")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def say(t, tool):
    x = t.get(tool)
    if not x:
        return "—"
    return "ok" if x["ok"] else "refuses: " + md_escape(x["first"], 160)


def report(ctx):
    env, truth, corpus, wg, unattributed = ctx["env"], ctx["truth"], ctx["corpus"], ctx["wg"], ctx["unattributed"]
    names = sorted(truth_by_name(truth))
    by_name = truth_by_name(truth)
    m, v = ctx["machine"], env.versions
    tools = [t for t in TOOLS if t != "pip313" or env.py313]
    all_tools = tools + [t for t in INDEX_TOOLS if t != "pip313_index" or env.py313]
    label = {"pip311": f"pip {v['pip311']} (Python {v['python311']})", "pip313": f"pip {v.get('pip313')} (Python {v.get('python313')}, cp311 tags)",
             "pip311_index": f"pip {v['pip311']} from an index", "pip313_index": f"pip {v.get('pip313')} from an index",
             "wheel": f"wheel {v['wheel']} unpack", "installer_all": f"installer {v['installer']} --validate-record all",
             "installer_none": f"installer {v['installer']} --validate-record none", "testzip": "zipfile testzip()"}
    L = []
    w = L.append
    total_bytes = sum(by_name[n]["size"] for n in names)
    w("# wheel-guard's content check on real wheels\n")
    w("Generated by `scripts/real-wheels/run.py` (issue 11, item 2): every wheel the package indexes configured on this machine hold, "
      "checked by `wheel-guard verify` and by the tools that install wheels, side by side. Not part of CI.\n")
    w(f"- **date**: {ctx['date']}")
    w(f"- **machine**: {m['nproc']} × {m['cpu']}, sha_ni {'yes' if m['sha_ni'] else 'no'}, {m['mem_gib']} GiB RAM, Linux {m['kernel']}")
    where = ("dist/cli/index.js, copied with the rest of dist/ from the work tree when the run began" if CLI.startswith(CORPUS + "/bundle/")
             else os.path.relpath(CLI, REPO) if CLI.startswith(REPO + "/") else CLI)
    w(f"- **wheel-guard**: the bundle `{where}` (sha256 {ctx['bundle_sha'][:16]}…; repository at git {ctx['git_head']}"
      f"{': not the committed dist/cli/index.js, a newer build not yet committed' if ctx['git_dirty'] else ', the committed dist/cli/index.js'}) under Node {v['node']}"
      + (f"; timed also under Node {v['node24']} (the action's runtime)" if v.get("node24") else ""))
    w(f"- **ground truth**: {', '.join(label[t] for t in tools)} (pypa/installer {v['installer_commit']}, from source: not in the mirror), "
      f"Python's zipfile {v['python311']}, packaging {v['packaging']} for the facts")
    w(f"- **regenerate**: `npm run real-wheels` (downloads and ground truth are cached under `$WG_CORPUS`, default "
      f"`~/.cache/wheel-guard/real-wheels`); after a wheel-guard change, `npm run real-wheels -- --only-verdicts`")
    ph = ctx["state"].get("phases", {})
    w(f"- **this run**: `{ctx['argv']}`, {ctx['elapsed'] / 60:.1f} min in all ("
      + ", ".join(f"{k} {p['seconds'] / 60:.1f} min" for k, p in ctx["this_phases"].items()) + ")")
    scratch = ctx["state"].get("from_scratch")
    if scratch:
        order = ["setup", "gather", "truth", "broken copies", "crafted quirks", "timing + verdicts", "broken + crafted verdicts"]
        w(f"- **a full run from scratch** (empty cache, {scratch['date']}): {scratch['seconds'] / 60:.0f} min ("
          + ", ".join(f"{k} {scratch['phases'][k] / 60:.1f} min" for k in order if k in scratch["phases"]) + ")")
    w("")

    # ---- corpus
    fam_counts, gens, years, fixed = {}, {}, {}, 0
    for n in names:
        f = by_name[n]["facts"]
        fam = family(f.get("generator"))
        fam_counts[fam] = fam_counts.get(fam, 0) + 1
        gens.setdefault(fam, set()).add(f.get("generator") or "(no Generator line)")
        if f.get("date_max"):
            y = f["date_max"][:4]
            if f.get("dates_distinct") == 1:
                fixed += 1
                y += " (fixed)"
            years[y] = years.get(y, 0) + 1
    via = {}
    for n in names:
        key = corpus.get(n, {}).get("via", "?")
        key = "copied (pip download refused)" if key.startswith("copied") else key
        via[key] = via.get(key, 0) + 1
    projects = {corpus.get(n, {}).get("project", n.split("-")[0].lower()) for n in names}
    w("## The corpus\n")
    w(f"{len(names)} wheels of {len(projects)} projects, {total_bytes / 1e9:.2f} GB ({total_bytes:,} bytes): every file the configured "
      f"indexes (`{'`, `'.join(sorted({corpus[n]['source'] for n in names if n in corpus}))}`) list, every version they hold; "
      f"fetched with {', '.join(f'{k}: {c}' for k, c in sorted(via.items()))}. pip's default index (pypi.org) is unreachable here, "
      "so the configured extra indexes stand in for it. Tags: "
      + ", ".join(f"{k} {c}" for k, c in sorted(count_by(names, lambda n: tag_kind(n)).items())) + ".\n")
    w("Build backends, by the `Generator:` line of `WHEEL`:\n")
    w("| generator | wheels | versions seen |")
    w("|---|---:|---|")
    for fam, c in sorted(fam_counts.items(), key=lambda kv: (-kv[1], kv[0])):
        vs = sorted(gens[fam])
        w(f"| {md_escape(fam)} | {c} | {md_escape(', '.join(vs[:6]) + (f' … ({len(vs)} in all)' if len(vs) > 6 else ''), 300)} |")
    w("")
    w("Years, by the newest member date in each zip (\"fixed\": every member carries the same date, as reproducible builds "
      "write it, e.g. 1980-01-01, poetry-core's 2016-01-01 or hatchling's 2020-02-02, so the year says nothing about the build):\n")
    w("| year | wheels |")
    w("|---|---:|")
    for y, c in sorted(years.items()):
        w(f"| {y} | {c} |")
    w("")
    dated = sorted((by_name[n]["facts"]["date_max"], n) for n in names
                   if by_name[n]["facts"].get("date_max") and by_name[n]["facts"].get("dates_distinct", 1) > 1)
    if dated:
        w("Oldest by that date: " + ", ".join(f"`{n}` ({d})" for d, n in dated[:3]) + ".\n")
    wv = count_by(names, lambda n: by_name[n]["facts"].get("wheel_version"))
    mv = count_by(names, lambda n: by_name[n]["facts"].get("metadata_version"))
    w(f"`Wheel-Version`: {', '.join(f'{k} ({c})' for k, c in sorted(wv.items(), key=str))}. "
      f"`Metadata-Version`: {', '.join(f'{k} ({c})' for k, c in sorted(mv.items(), key=str))}.\n")

    # ---- verdicts
    w("## Verdicts\n")
    wgc = count_by(names, lambda n: wg[n]["verdict"])
    w("| tool | accepts / installs | refuses |")
    w("|---|---:|---:|")
    w(f"| **wheel-guard verify** | {wgc.get('accepted', 0)} accepted + {wgc.get('warned', 0)} with warnings only | {wgc.get('refused', 0)}"
      + (f" ({wgc['unknown']} not reported)" if wgc.get("unknown") else "") + " |")
    for t in tools:
        c = count_by(names, lambda n: by_name[n][t]["ok"])
        w(f"| {label[t]} | {c.get(True, 0)} | {c.get(False, 0)} |")
    c = count_by(names, lambda n: by_name[n]["facts"]["testzip"]["ok"])
    w(f"| {label['testzip']} | {c.get(True, 0)} | {c.get(False, 0)} |")
    w("")
    if unattributed:
        w("wheel-guard also printed, naming no single wheel:\n")
        for line in unattributed[:20]:
            w(f"- `{md_escape(line, 400)}`")
        w("")

    def table(rows, title, empty):
        w(title + "\n")
        if not rows:
            w(empty + "\n")
            return
        w("| wheel | wheel-guard | " + " | ".join(label[t] for t in all_tools) + " | testzip |")
        w("|---|---|" + "---|" * len(all_tools) + "---|")
        for n in rows:
            t = by_name[n]
            g = wg[n]
            wgtext = ("refuses: " + "; ".join(g["errors"])) if g["errors"] else ("warns: " + "; ".join(g["warnings"])) if g["warnings"] else g["verdict"]
            w(f"| `{n}` | {md_escape(wgtext, 300)} | " + " | ".join(say(t, x) for x in all_tools)
              + f" | {'ok' if t['facts']['testzip']['ok'] else 'refuses: ' + md_escape(t['facts']['testzip']['first'], 120)} |")
        w("")

    false_refusals = [n for n in names if false_refusal(by_name[n], wg[n])]
    missed = [n for n in names if missed_refusal(by_name[n], wg[n])]
    shown = set(false_refusals) | set(missed)
    other = [n for n in names if n not in shown and (
        wg[n]["verdict"] != "accepted"
        or any(not by_name[n][t]["ok"] for t in tools)
        or not by_name[n]["facts"]["testzip"]["ok"])]
    ctx["headline"] = {"false_refusals": len(false_refusals), "missed": len(missed), "other": len(other)}
    table(false_refusals, f"### False refusals: {len(false_refusals)}\n\nwheel-guard refuses, yet every pip run installs it and "
          "installer with `--validate-record all` accepts it. The target is zero.", "None.")
    table(missed, f"### Missed refusals: {len(missed)}\n\nA pip run or installer with `--validate-record all` refuses, "
          "yet wheel-guard accepts.", "None.")
    table(other, f"### Other disagreements: {len(other)}\n\nEvery other wheel that some tool refuses or wheel-guard warns about.", "None.")

    # ---- quirks
    w("## Odd but real: what each tool does with them\n")
    w("Wheels with each quirk (counted from the archive by `facts.py`), and how many of them each tool accepts:\n")
    quirks = [
        ("WHEEL `Tag:` lines differ from the file name's tags (sets expanded)", lambda f: f.get("wheel_tags_match") is False),
        ("signature file (`RECORD.jws`/`.p7s`) in the archive", lambda f: bool(f.get("signatures"))),
        ("RECORD rows without a hash (other than RECORD's own)", lambda f: f.get("record_no_hash_count", 0) > 0),
        ("RECORD rows with a hash but no size", lambda f: f.get("record_no_size_count", 0) > 0),
        ("md5 or sha1 hashes in RECORD", lambda f: any(a in (f.get("record_algorithms") or {}) for a in ("md5", "sha1"))),
        ("hashes other than sha256 in RECORD", lambda f: any(a != "sha256" for a in (f.get("record_algorithms") or {}))),
        ("directory entries in the zip", lambda f: f.get("dirs", 0) > 0),
        ("directories listed in RECORD", lambda f: f.get("dirs_listed", 0) > 0),
        ("members missing from RECORD (besides RECORD and its signatures)", lambda f: f.get("unlisted_count", 0) > 0),
        ("RECORD lists a path the archive lacks", lambda f: f.get("listed_missing_count", 0) > 0),
        ("a RECORD hash that does not match its member", lambda f: f.get("record_hash_mismatch_count", 0) > 0),
        ("METADATA `Name` differs from the file name's (after PEP 503 normalisation)", lambda f: f.get("meta_name_matches") is False),
        ("METADATA `Version` differs from the file name's (PEP 440 comparison)", lambda f: f.get("meta_version_matches") is False),
        ("METADATA `Name` spelled differently from the file name (same after normalisation)",
         lambda f: f.get("meta_name_matches") is True and f.get("meta_name") != f.get("fn_name")),
        (".dist-info name or version not the file name's", lambda f: f.get("dist_info_name_matches") is False or f.get("dist_info_version_matches") is False),
        ("file-name version not valid PEP 440", lambda f: f.get("fn_version_pep440") is False),
        ("file name that `packaging` refuses", lambda f: f.get("fn_valid") is False),
        ("local version (`+…`) in the file name", lambda f: "+" in (f.get("fn_version") or "")),
        ("build tag in the file name", lambda f: f.get("name_parts") == 6),
        ("`Wheel-Version` other than 1.0", lambda f: f.get("wheel_version") not in (None, "1.0")),
        ("zip64", lambda f: bool(f.get("zip64"))),
        ("a zip comment", lambda f: f.get("comment_bytes", 0) > 0),
        ("members stored (not deflated)", lambda f: 0 in (f.get("methods") or [])),
        ("a member name twice in the zip", lambda f: f.get("duplicate_names", 0) > 0),
    ]
    w("| quirk | wheels | wheel-guard accepts (warns) | " + " | ".join(label[t] for t in all_tools) + " | examples |")
    w("|---|---:|---:|" + "---:|" * len(all_tools) + "---|")
    for title, pred in quirks:
        hit = [n for n in names if pred(by_name[n]["facts"])]
        if not hit:
            w(f"| {title} | 0 | | " + " | " * len(all_tools) + " |")
            continue
        acc = sum(1 for n in hit if wg[n]["verdict"] in ("accepted", "warned"))
        warned = sum(1 for n in hit if wg[n]["verdict"] == "warned")
        cols = " | ".join(ratio(hit, lambda n: by_name[n], t) for t in all_tools)
        ex = ", ".join(f"`{n}`" for n in hit[:3]) + (f" (+{len(hit) - 3})" if len(hit) > 3 else "")
        w(f"| {title} | {len(hit)} | {acc} ({warned}) | {cols} | {ex} |")
    w("")
    details = ctx.get("quirk_details") or []
    if details:
        w("Examples:\n")
        for line in details:
            w(f"- {line}")
        w("")

    # ---- broken copies
    b = ctx["broken"]
    w("## Broken copies\n")
    w(f"{b['wheels']} wheels of the corpus ({b['bytes'] / 1e6:.0f} MB; up to {b['max_bytes'] / 1e6:.0f} MB each, spread over equal-count size "
      f"buckets and, within each, the least-used generator: {', '.join(f'{k} {c}' for k, c in sorted(b['families'].items(), key=lambda kv: -kv[1]))}), "
      "each damaged five ways. Every copy sits in a directory of its kind with its own SHA256SUMS holding the damaged copy's correct "
      "sha256, so only the content check can catch it. Every damaged copy was checked to be damaged (for a flipped data byte: the member "
      "no longer reads back as before).\n")
    w("| damage | copies | refused by wheel-guard | " + " | ".join(f"refused by {label[t]}" for t in tools) + " | refused by testzip |")
    w("|---|---:|---:|" + "---:|" * len(tools) + "---:|")
    for kind in KINDS:
        rows = [c for c in b["copies"] if c["kind"] == kind]
        cols = " | ".join(str(sum(1 for c in rows if not c["truth"][t]["ok"])) for t in tools)
        w(f"| {kind} | {len(rows)} | {sum(1 for c in rows if c['wg']['verdict'] == 'refused')} | {cols} | "
          f"{sum(1 for c in rows if not c['truth']['facts']['testzip']['ok'])} |")
    w("")
    w("- truncated-random: cut at a random byte; truncated-22: the last 22 bytes cut (the end-of-central-directory record, "
      "when there is no zip comment); data-byte: one byte of one member's compressed data XORed with a random value; "
      "cd-crc-bit: one bit of one member's CRC-32 in the central directory; record-hash-char: one character of one "
      "sha256 in RECORD changed, the zip rebuilt around it (consistent CRCs).")
    passed = [c for c in b["copies"] if c["wg"]["verdict"] != "refused"]
    if passed:
        w(f"\n**Not refused by wheel-guard: {len(passed)}**\n")
        for c in passed:
            w(f"- {c['kind']} `{c['file']}`: {md_escape(c['detail'])}; wheel-guard {c['wg']['verdict']}; "
              + "; ".join(f"{t}: {say(c['truth'], t)}" for t in tools))
    else:
        w(f"\nEvery one of the {len(b['copies'])} broken copies is refused by wheel-guard.")
    groups = {}
    for t in tools:
        took = tuple(sorted(count_by([c for c in b["copies"] if c["truth"][t]["ok"]], lambda c: c["kind"]).items()))
        if took:
            groups.setdefault(took, []).append(t)
    for took, ts in groups.items():
        w(f"\n{' and '.join(label[t] for t in ts)} accept " + ", ".join(f"{n} {k}" for k, n in took) + " copies"
          + (": pip, and installer without validation, never compare a member with RECORD" if set(ts) <= {"pip311", "pip313", "installer_none"} else "")
          + (": " + "; ".join(f"`{c['file']}` ({md_escape(c['detail'], 120)})" for c in b["copies"] if any(c["truth"][t]["ok"] for t in ts))
             if set(ts) & {"installer_all", "wheel"} else "") + ".")
    reasons = count_by(b["copies"], lambda c: (c["kind"], reason_class(c["wg"]["errors"][0] if c["wg"]["errors"] else c["wg"]["verdict"])))
    w("\nwheel-guard's reasons (first problem per copy, numbers and names stripped):\n")
    w("| damage | reason | copies |")
    w("|---|---|---:|")
    for (kind, r), c in sorted(reasons.items()):
        w(f"| {kind} | {md_escape(r, 160)} | {c} |")
    w("")

    # ---- crafted quirks
    odd = ctx["odd"]
    bases = sorted({(c["base"], c["generator"]) for c in odd})
    w("## Crafted quirks: what each tool does with them\n")
    w(f"The quirks above are rare or absent in the corpus, so `run.py` also rebuilds {len(bases)} small clean wheels of the corpus "
      f"({', '.join(f'`{b}` ({g})' for b, g in bases)}) with one quirk each and a RECORD that matches everything else, each kind in "
      "its own directory with a correct SHA256SUMS. Cells: how many of the copies each tool accepts. \"from an index\": "
      "the copy alone in a `--find-links` directory, installed by project name, as from PyPI (pip then also compares METADATA's "
      "name and version with the file name's). A false refusal: wheel-guard refuses, every pip run installs it and installer "
      "`--validate-record all` accepts it; a missed refusal: wheel-guard accepts, and a pip run or installer `--validate-record all` "
      "refuses. PyPI's own upload checks are not run here.\n")
    w("| quirk | copies | wheel-guard accepts (warns) | " + " | ".join(label[t] for t in all_tools) + " | testzip | verdict |")
    w("|---|---:|---:|" + "---:|" * len(all_tools) + "---:|---|")
    for kind, what in ODD_KINDS.items():
        rows = [c for c in odd if c["kind"] == kind]
        acc = sum(1 for c in rows if c["wg"]["verdict"] in ("accepted", "warned"))
        warned = sum(1 for c in rows if c["wg"]["verdict"] == "warned")
        fr = sum(1 for c in rows if false_refusal(c["truth"], c["wg"]) and kind not in BY_DESIGN)
        mr = sum(1 for c in rows if missed_refusal(c["truth"], c["wg"]) and kind not in BY_DESIGN)
        agree = BY_DESIGN[kind] if kind in BY_DESIGN else "agrees" if not fr and not mr else ", ".join(x for x in (f"{fr} false refusal(s)" if fr else "", f"{mr} missed refusal(s)" if mr else "") if x)
        w(f"| {kind}: {md_escape(what, 200)} | {len(rows)} | {acc} ({warned}) | "
          + " | ".join(ratio(rows, lambda c: c["truth"], t) for t in all_tools)
          + f" | {sum(1 for c in rows if c['truth']['facts']['testzip']['ok'])} | {agree} |")
    ctx["headline"]["odd_false_refusals"] = sum(1 for c in odd if false_refusal(c["truth"], c["wg"]) and c["kind"] not in BY_DESIGN)
    ctx["headline"]["odd_missed"] = sum(1 for c in odd if missed_refusal(c["truth"], c["wg"]) and c["kind"] not in BY_DESIGN)
    w("\nWhat the refusing tools say (first copy of each kind; wheel-guard's refusal or warning, then each tool's):\n")
    for kind in ODD_KINDS:
        rows = [c for c in odd if c["kind"] == kind]
        said = []
        for c in rows[:1]:
            g = c["wg"]
            if g["errors"] or g["warnings"]:
                said.append("wheel-guard: " + md_escape(("refuses: " + g["errors"][0]) if g["errors"] else ("warns: " + g["warnings"][0]), 200))
            for t in all_tools:
                if t in c["truth"] and not c["truth"][t]["ok"]:
                    said.append(f"{t}: {md_escape(c['truth'][t]['first'], 200)}")
        if said:
            w(f"- **{kind}**: " + "; ".join(said))
    w("")

    # ---- speed
    s, nbytes = ctx["timing"], ctx["timed_bytes"]
    w("## Speed and memory\n")
    loads = ", ".join(f"{r['load']:.1f}" for r in s.values())
    w(f"The same {len(names)} files ({nbytes / 1e9:.2f} GB), page cache warmed first, one after another in this run; "
      f"`/usr/bin/time -v` gives CPU (user + sys) and peak RSS; median of {ctx['repeats']} run(s). "
      f"1-minute load average after each: {loads}.\n")
    others = sorted({o for r in s.values() for o in r["others"]})
    if others or any(r["other_cpu"] > 0.1 * r["wall"] for r in s.values()):
        w("**Other processes were using CPU during the timing** (another session's work: see the last column; the figures are "
          "skewed by it)" + (": " + "; ".join(f"`{md_escape(o, 80)}`" for o in others[:6]) if others else "") + "\n")
    w("| what | wall s | CPU s | peak RSS | throughput | other processes' CPU s meanwhile |")
    w("|---|---:|---:|---:|---:|---:|")
    desc = {"sha256sum": "`sha256sum` over all files, one process",
            f"sha256sum-xargs-P{NPROC}": f"`sha256sum` via `xargs -P{NPROC}`",
            "openssl-sha256": "`openssl dgst -sha256` over all files, one process (sha_ni when the CPU has it)",
            "python-loop": "`python-loop.py`: zipfile, read + sha256 every member, one thread",
            "verify": f"`wheel-guard verify` with the content check (Node {v['node']})",
            "verify-node24": f"`wheel-guard verify` with the content check (Node {v.get('node24')})"}
    for k, r in s.items():
        walls = f" ({', '.join(f'{x:.1f}' for x in r['walls'])})" if len(r["walls"]) > 1 else ""
        mark = " (skewed)" if skewed(r) else ""
        w(f"| {desc.get(k, k)} | {r['wall']:.1f}{walls}{mark} | {r['cpu']:.1f} | {r['rss'] / 2**20:.0f} MiB | {nbytes / r['wall'] / 1e6:.0f} MB/s | {r['other_cpu']:.1f} |")
    w("")
    if any(skewed(r) for r in s.values()):
        w("\n(skewed): other processes took more than a tenth of the command's own CPU time even at the best of three "
          "attempts, each begun once the machine had been quiet for 5 s (or after 10 minutes of waiting); its wall time is "
          "longer than on a quiet machine. Its CPU seconds stay a fair figure.\n")
    ver, sha1p, loop = s["verify"], s["sha256sum"], s["python-loop"]
    xa = s[f"sha256sum-xargs-P{NPROC}"]
    ratio_sha = ver["wall"] / sha1p["wall"]
    ratio_loop = loop["wall"] / ver["wall"]
    ctx["headline"].update(ratio_sha=ratio_sha, ratio_xargs=ver["wall"] / xa["wall"], ratio_loop=ratio_loop, rss=ver["rss"])
    w("| issue 11's target | measured | met |")
    w("|---|---:|---|")
    w(f"| verify within 2× `sha256sum` (one process) | {ratio_sha:.2f}× | {'yes' if ratio_sha <= 2 else 'no'} |")
    w(f"| (the same by CPU seconds) | {ver['cpu'] / sha1p['cpu']:.2f}× | |")
    w(f"| (against `sha256sum` on {NPROC} processes) | {ver['wall'] / xa['wall']:.2f}× | |")
    if "openssl-sha256" in s:
        w(f"| (against `openssl dgst -sha256`, one process) | {ver['wall'] / s['openssl-sha256']['wall']:.2f}× | |")
    w(f"| verify at least 2× faster than the Python loop | {ratio_loop:.2f}× | {'yes' if ratio_loop >= 2 else 'no'} |")
    w(f"| (the same by CPU seconds: the loop's CPU / verify's) | {loop['cpu'] / ver['cpu']:.2f}× | |")
    w(f"| verify peak RSS under 200 MB | {ver['rss'] / 1e6:.0f} MB | {'yes' if ver['rss'] < 200e6 else 'no'} |")
    if "verify-node24" in s:
        v24 = s["verify-node24"]
        w(f"| (Node {v.get('node24')}: ratios {v24['wall'] / sha1p['wall']:.2f}× and {loop['wall'] / v24['wall']:.2f}×, "
          f"{v24['rss'] / 1e6:.0f} MB) | | |")
    w("")
    w("## Notes\n")
    w(f"- `sha256sum` here is {ctx['sha256sum_version']}, {'linked to libcrypto' if ctx['sha256sum_libcrypto'] else 'not linked to libcrypto: its own sha256, without sha_ni'}; "
      "`openssl dgst` (and Node's `crypto`, and Python's `hashlib`) use OpenSSL's, with sha_ni where the CPU has it, so the two reference rows differ.")
    w(f"- pip runs as `pip install --no-deps --no-index --no-compile --ignore-requires-python --target TMP WHEEL` with no pip "
      f"configuration. pip {v.get('pip313')} runs on Python {v.get('python313')} with `--python-version 3.11 --implementation cp "
      "--abi cp311 --platform …` (every platform tag CPython 3.11 accepts here), so it judges the same cp311 wheels. "
      "installer runs as `python -m installer --validate-record all|none --no-compile-bytecode --destdir TMP WHEEL`; "
      "`wheel unpack` as `python -m wheel unpack --dest TMP WHEEL`. Every install directory is removed as soon as its tool ends.")
    w("- pip \"from an index\" (run on the crafted quirks and on corpus wheels whose names or versions differ or are odd): "
      "the wheel alone in a `--find-links` directory, `pip install --no-deps --no-index --find-links DIR --target TMP NAME`: "
      "the way a wheel is installed from PyPI, where pip also compares METADATA's name and version with the file name's.")
    w("- A wheel counts as accepted by wheel-guard when it is reported verified with no `error:` line naming it; one with only "
      "`warning:` lines counts as accepted (and warned).")
    w("- The corpus, the venvs, installer's source and the broken copies live under `$WG_CORPUS`, never in the repository.")
    w("")
    with open(REPORT, "w") as f:
        f.write("\n".join(L))
    log(f"wrote {os.path.relpath(REPORT, REPO)}")
    update_benchmarks()


BENCHMARKS = os.path.join(REPO, "BENCHMARKS.md")
BLOCK_BEGIN = "<!-- real-wheels: written by scripts/real-wheels/run.py -->"
BLOCK_END = "<!-- /real-wheels -->"


def update_benchmarks():
    """Copies the report's speed section into BENCHMARKS.md, between the markers scripts/bench/report.mjs keeps."""
    report = open(REPORT).read()
    start = report.find("## Speed and memory")
    if start < 0:
        return
    end = report.find("\n## ", start + 1)
    speed = report[start:end if end > 0 else len(report)].strip()
    head = re.search(r"- \*\*date\*\*: (.*)", report)
    mach = re.search(r"- \*\*machine\*\*: (.*)", report)
    corpus = re.search(r"^(\d+ wheels of \d+ projects, [\d.]+ GB)", report, re.M)
    block = "\n".join([
        BLOCK_BEGIN,
        "## The content check on real wheels (issue 11)",
        "",
        f"From [docs/real-wheels.md](docs/real-wheels.md) ({head.group(1) if head else 'date unknown'}; "
        f"{mach.group(1) if mach else ''}; {corpus.group(1) if corpus else 'the corpus'}): `wheel-guard verify` with the content "
        "check against `sha256sum`, `openssl dgst` and a single-threaded Python loop that unzips and hashes every member, over "
        "the same files. `npm run real-wheels -- --only-verdicts` measures it again.",
        "",
        "#" + speed.replace("## Speed and memory", "## Speed and memory", 1),
        BLOCK_END,
    ])
    text = open(BENCHMARKS).read() if os.path.exists(BENCHMARKS) else ""
    a, b = text.find(BLOCK_BEGIN), text.find(BLOCK_END)
    if a >= 0 and b > a:
        text = text[:a] + block + text[b + len(BLOCK_END):]
    elif "## Reproduce" in text:
        i = text.index("## Reproduce")
        text = text[:i] + block + "\n\n" + text[i:]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    with open(BENCHMARKS, "w") as f:
        f.write(text)
    log(f"updated {os.path.relpath(BENCHMARKS, REPO)}")


def skewed(r):
    return r["other_cpu"] > 0.1 * r["cpu"] + 0.5


def ratio(items, truth_of, tool):
    """How many of items the tool accepts; "k/n" when it ran on only n of them."""
    ran = [i for i in items if tool in truth_of(i)]
    ok = sum(1 for i in ran if truth_of(i)[tool]["ok"])
    return "—" if not ran else str(ok) if len(ran) == len(items) else f"{ok}/{len(ran)}"


def reason_class(text):
    text = re.sub(r"'[^']*'|\"[^\"]*\"|\([^)]*\)", "…", text or "")
    text = re.sub(r"\S+\.(whl|py|so|pyi|txt|json|dist-info/\S+)\b", "…", text)
    text = re.sub(r"\d+", "N", text)
    text = re.sub(r"content check failed at \S+:", "content check failed at …:", text)
    return text[:160]


def count_by(items, key):
    out = {}
    for i in items:
        k = key(i)
        out[k] = out.get(k, 0) + 1
    return out


def tag_kind(name):
    tag = name[:-4].split("-")[-3:]
    if tag[2] == "any":
        return "pure Python"
    if tag[1] == "abi3":
        return "abi3"
    if tag[1] == "none":
        return "py3-none-platform"
    return tag[1]


def truth_by_name(truth):
    return {t["file"]: t for t in truth.values()}


# ---------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="See the header of this file for what it needs and how long it takes.")
    parser.add_argument("--only-verdicts", action="store_true", help="reuse the cached corpus, ground truth and broken copies: "
                        "re-run only wheel-guard, the timing and the report")
    parser.add_argument("--broken-count", type=int, default=60, help="wheels to damage (default 60)")
    parser.add_argument("--broken-max-mb", type=float, default=100, help="largest wheel to damage, MB (default 100)")
    parser.add_argument("--seed", default="wheel-guard-11", help="seed for the sample and the damage")
    parser.add_argument("--timing-repeats", type=int, default=1, help="runs of each timed command; the median is reported")
    parser.add_argument("--limit", type=int, help="a trial on about this many wheels (use another WG_CORPUS)")
    parser.add_argument("--no-report", action="store_true", help="do not write docs/real-wheels.md")
    parser.add_argument("--update-benchmarks", action="store_true", help="only copy docs/real-wheels.md's speed section into BENCHMARKS.md")
    args = parser.parse_args()
    if args.update_benchmarks:
        return update_benchmarks()
    began = time.monotonic()
    state = load_json(STATE, {})
    this_phases = {}
    if not os.path.exists(CLI):
        sys.exit(f"{CLI} is missing: the built bundle is what this checks")
    if not os.path.exists("/usr/bin/time"):
        sys.exit("/usr/bin/time is missing: apt-get install time")
    env = Env()
    os.makedirs(CORPUS, exist_ok=True)
    snapshot_bundle()
    usage = shutil.disk_usage(CORPUS)
    log(f"corpus {CORPUS}: {usage.free / 1e9:.0f} GB free of {usage.total / 1e9:.0f} GB")
    t0 = time.monotonic()
    env.setup()
    this_phases["setup"] = {"seconds": time.monotonic() - t0}
    fresh = {}

    t0 = time.monotonic()
    if args.only_verdicts:
        corpus = load_json(os.path.join(CORPUS, "corpus.json"))
        if not corpus or not os.path.isdir(WHEELS):
            sys.exit("--only-verdicts needs a corpus: run without it first")
    else:
        corpus = gather(env, state, args.limit)
        fresh["gather"] = state["phases"]["gather"]["downloaded"]
    sums = write_sums(WHEELS, SUMS)
    for n, sha in sums.items():
        expected = (corpus.get(n) or {}).get("index_sha256")
        if expected and expected != sha:
            log(f"warning: {n}: sha256 {sha} is not the index's {expected}")
    this_phases["gather"] = {"seconds": time.monotonic() - t0}

    t0 = time.monotonic()
    items = [(os.path.join(WHEELS, n), sha) for n, sha in sums.items()]
    if args.only_verdicts:
        truth = {sha: load_truth(os.path.basename(path), sha) for path, sha in items}
        lacking = [sha for sha, t in truth.items() if not t or any(k not in t for k in ["facts", *[x for x in TOOLS if x != "pip313" or env.py313]])]
        if lacking:
            sys.exit(f"--only-verdicts: {len(lacking)} wheels have no cached ground truth: run without it first")
    else:
        stale = sum(1 for path, sha in items if not load_truth(os.path.basename(path), sha))
        fresh["truth"] = stale
        truth = {sha: t for (_, sha), t in truth_all(env, items, "corpus").items()}
    this_phases["truth"] = {"seconds": time.monotonic() - t0}

    t0 = time.monotonic()
    manifest = make_broken(truth, args.broken_count, args.broken_max_mb * 1e6, args.seed) if not args.only_verdicts else load_json(os.path.join(BROKEN, "manifest.json"))
    if not manifest:
        sys.exit("--only-verdicts needs the broken copies: run without it first")
    if args.only_verdicts:
        broken_truth = {(c["file"], c["sha256"]): load_truth(c["file"], c["sha256"]) for c in manifest["copies"]}
        if any(t is None for t in broken_truth.values()):
            sys.exit("--only-verdicts: broken copies lack ground truth: run without it first")
    else:
        broken_truth = truth_all(env, [(os.path.join(BROKEN, c["kind"], c["file"]), c["sha256"]) for c in manifest["copies"]], "broken copies")
    this_phases["broken copies"] = {"seconds": time.monotonic() - t0}

    t0 = time.monotonic()
    odd_manifest = make_odd(truth) if not args.only_verdicts else load_json(os.path.join(ODD, "manifest.json"))
    if not odd_manifest:
        sys.exit("--only-verdicts needs the crafted quirks: run without it first")
    if args.only_verdicts:
        odd_truth = {(c["file"], c["sha256"]): load_truth(c["file"], c["sha256"]) for c in odd_manifest["copies"]}
        if any(t is None for t in odd_truth.values()):
            sys.exit("--only-verdicts: crafted quirks lack ground truth: run without it first")
    else:
        odd_truth = truth_all(env, [(os.path.join(ODD, c["kind"], c["file"]), c["sha256"]) for c in odd_manifest["copies"]], "crafted quirks")
    this_phases["crafted quirks"] = {"seconds": time.monotonic() - t0}

    t0 = time.monotonic()
    run_dir = os.path.join(RUNS, time.strftime("%Y%m%d-%H%M%S"))
    os.makedirs(run_dir)
    names = sorted(sums)
    timings, verify_run, timed_bytes = timing(env, names, run_dir, args.timing_repeats)
    wg, unattributed = parse_verdicts(verify_run["stdout"], verify_run["stderr"], names)
    this_phases["timing + verdicts"] = {"seconds": time.monotonic() - t0}

    t0 = time.monotonic()
    copies = []
    for kind in KINDS:
        d = os.path.join(BROKEN, kind)
        kind_names = sorted(n for n in os.listdir(d) if n.endswith(".whl"))
        result = run(verify_command("node", d, os.path.join(BROKEN, f"{kind}.SHA256SUMS")))
        with open(os.path.join(run_dir, f"broken-{kind}.stderr"), "w") as f:
            f.write(result.stderr)
        verdicts, extra = parse_verdicts(result.stdout, result.stderr, kind_names)
        unattributed += [f"[{kind}] {x}" for x in extra]
        for c in manifest["copies"]:
            if c["kind"] == kind:
                copies.append({**c, "wg": verdicts[c["file"]], "truth": broken_truth[(c["file"], c["sha256"])]})
    refused = sum(1 for c in copies if c["wg"]["verdict"] == "refused")
    odd = []
    for kind in ODD_KINDS:
        d = os.path.join(ODD, kind)
        kind_names = sorted(n for n in os.listdir(d) if n.endswith(".whl"))
        result = run(verify_command("node", d, os.path.join(ODD, f"{kind}.SHA256SUMS")))
        with open(os.path.join(run_dir, f"odd-{kind}.stderr"), "w") as f:
            f.write(result.stderr)
        verdicts, extra = parse_verdicts(result.stdout, result.stderr, kind_names)
        unattributed += [f"[{kind}] {x}" for x in extra]
        for c in odd_manifest["copies"]:
            if c["kind"] == kind:
                odd.append({**c, "wg": verdicts[c["file"]], "truth": odd_truth[(c["file"], c["sha256"])]})
    log(f"broken copies: wheel-guard refuses {refused} of {len(copies)}")
    this_phases["broken + crafted verdicts"] = {"seconds": time.monotonic() - t0}

    sample = {c["file"]: c for c in manifest["copies"]}
    broken_info = {"wheels": len(sample), "bytes": sum(truth[c["original_sha256"]]["size"] for c in sample.values()),
                   "max_bytes": args.broken_max_mb * 1e6, "families": count_by(sample.values(), lambda c: c["generator"]), "copies": copies}
    elapsed = time.monotonic() - began
    if not args.only_verdicts and fresh.get("gather", 0) >= len(names) * 0.9 and fresh.get("truth", 0) >= len(names) * 0.9:
        state["from_scratch"] = {"date": time.strftime("%Y-%m-%d"), "seconds": round(elapsed),
                                 "phases": {k: round(p["seconds"]) for k, p in this_phases.items()}}
    state["last"] = {"date": time.strftime("%Y-%m-%d %H:%M"), "only_verdicts": args.only_verdicts, "seconds": round(elapsed)}
    save_json(STATE, state)
    head, dirty = git_state()
    ctx = {"env": env, "truth": {sha: truth[sha] for _, sha in items}, "corpus": corpus, "wg": wg, "unattributed": unattributed,
           "machine": machine(), "date": time.strftime("%Y-%m-%d %H:%M %Z"), "bundle_sha": sha256_file(CLI), "git_head": head, "git_dirty": dirty,
           "state": state, "this_phases": this_phases, "elapsed": elapsed, "argv": " ".join(["python3 scripts/real-wheels/run.py", *sys.argv[1:]]),
           "broken": broken_info, "odd": odd, "timing": timings, "timed_bytes": timed_bytes, "repeats": args.timing_repeats}
    ctx["quirk_details"] = quirk_details(ctx)
    ctx["sha256sum_version"] = run(["sha256sum", "--version"]).stdout.splitlines()[0]
    ctx["sha256sum_libcrypto"] = "libcrypto" in run(["ldd", shutil.which("sha256sum") or "sha256sum"]).stdout
    if not args.no_report:
        report(ctx)
    h = ctx.get("headline", {})
    summary = {"wheels": len(names), "bytes": timed_bytes, "wg": count_by(names, lambda n: wg[n]["verdict"]), "broken_refused": f"{refused}/{len(copies)}",
               **{k: (round(val, 3) if isinstance(val, float) else val) for k, val in h.items()}, "minutes": round(elapsed / 60, 1)}
    save_json(os.path.join(run_dir, "summary.json"), summary)
    log("summary:", json.dumps(summary))


def quirk_details(ctx):
    """A few concrete lines for the report: what the odd wheels look like."""
    by_name = truth_by_name(ctx["truth"])
    out = []
    for n, t in sorted(by_name.items()):
        f = t["facts"]
        if f.get("wheel_tags_match") is False and len([x for x in out if x.startswith("tags")]) < 4:
            out.append(f"tags: `{n}` has WHEEL `Tag: {', '.join(f.get('wheel_tags') or [])}` ({f.get('generator')})")
        if f.get("signatures") and len([x for x in out if x.startswith("signature")]) < 2:
            out.append(f"signature: `{n}` RECORD rows {json.dumps(f['signatures'])}")
        if f.get("record_no_size_count") and len([x for x in out if x.startswith("no size")]) < 2:
            out.append(f"no size: `{n}`: {f['record_no_size_count']} RECORD rows with a hash and no size, e.g. `{f['record_no_size'][0]}` ({f.get('generator')})")
        if f.get("meta_version_matches") is False and len([x for x in out if x.startswith("version")]) < 3:
            out.append(f"version: `{n}` METADATA Version `{f.get('meta_version')}`")
        if f.get("fn_version_pep440") is False and len([x for x in out if x.startswith("PEP 440")]) < 3:
            out.append(f"PEP 440: `{n}`: version `{f.get('fn_version')}`")
    return out


if __name__ == "__main__":
    main()
