"""Facts about one wheel, printed as one JSON object: what the corpus report
groups wheels by (generator, dates, tags, RECORD quirks, names, versions) and
Python's own zipfile verdict (testzip).

Run by run.py with the corpus venv's Python, which has `packaging` (a
dependency of the `wheel` package): python facts.py WHEEL
Never raises: a wheel it cannot read gets an "error" field instead.
"""
import base64
import csv
import email.parser
import hashlib
import io
import json
import os
import re
import sys
import zipfile

from packaging.tags import parse_tag
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

SIGNATURES = ("RECORD.jws", "RECORD.p7s")


def first_line(error):
    return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"[:300]


def testzip(path):
    """zipfile's own verdict: opens, then reads every member checking CRC-32."""
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
        return {"ok": bad is None, "first": None if bad is None else f"Bad CRC-32 or data in {bad!r}"}
    except Exception as error:  # noqa: BLE001 - any failure is the verdict
        return {"ok": False, "first": first_line(error)}


def file_name_facts(name):
    out = {}
    stem = name[:-4] if name.endswith(".whl") else name
    parts = stem.split("-")
    out["name_parts"] = len(parts)
    if len(parts) in (5, 6):
        out["fn_name"], out["fn_version"] = parts[0], parts[1]
        out["fn_tag"] = "-".join(parts[-3:])
        try:
            Version(parts[1])
            out["fn_version_pep440"] = True
        except InvalidVersion:
            out["fn_version_pep440"] = False
        try:
            out["fn_tags"] = sorted(str(t) for t in parse_tag(out["fn_tag"]))
        except Exception as error:  # noqa: BLE001
            out["fn_tags_error"] = first_line(error)
    try:
        parse_wheel_filename(name)
        out["fn_valid"] = True
    except Exception as error:  # noqa: BLE001
        out["fn_valid"] = False
        out["fn_error"] = first_line(error)
    return out


def headers(data):
    return email.parser.Parser().parsestr(data.decode("utf-8", "replace"), headersonly=True)


def member_facts(path, name, out):
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        names = [i.filename for i in infos]
        out["members"] = len(infos)
        out["dirs"] = sum(1 for n in names if n.endswith("/"))
        out["compressed"] = sum(i.compress_size for i in infos)
        out["uncompressed"] = sum(i.file_size for i in infos)
        out["methods"] = sorted({i.compress_type for i in infos})
        out["zip64"] = any(i.file_size >= 0xFFFFFFFF or i.compress_size >= 0xFFFFFFFF or i.header_offset >= 0xFFFFFFFF for i in infos) or len(infos) >= 0xFFFF
        out["comment_bytes"] = len(archive.comment)
        out["duplicate_names"] = len(names) - len(set(names))
        stamps = sorted({i.date_time for i in infos})
        out["date_min"] = "%04d-%02d-%02d" % stamps[0][:3] if stamps else None
        out["date_max"] = "%04d-%02d-%02d" % stamps[-1][:3] if stamps else None
        out["dates_distinct"] = len(stamps)  # 1: every member has the same timestamp, as reproducible builds write it

        dist_infos = sorted({n.split("/")[0] for n in names if "/" in n and n.split("/")[0].endswith(".dist-info")})
        out["dist_info"] = dist_infos
        if len(dist_infos) != 1:
            return
        di = dist_infos[0]
        di_stem = di[: -len(".dist-info")]
        di_name, _, di_version = di_stem.partition("-")
        if "fn_name" in out:
            out["dist_info_name_matches"] = canonicalize_name(di_name) == canonicalize_name(out["fn_name"])
            out["dist_info_version_matches"] = same_version(di_version, out["fn_version"])

        def read(member):
            return archive.read(member) if member in names else None

        wheel = read(f"{di}/WHEEL")
        if wheel is not None:
            h = headers(wheel)
            out["generator"] = (h.get("Generator") or "").strip() or None
            out["wheel_version"] = (h.get("Wheel-Version") or "").strip() or None
            out["root_is_purelib"] = (h.get("Root-Is-Purelib") or "").strip() or None
            out["wheel_tags"] = sorted(t.strip() for t in (h.get_all("Tag") or []))
            out["wheel_build"] = (h.get("Build") or "").strip() or None
            if "fn_tags" in out:
                expanded = set()
                for tag in out["wheel_tags"]:
                    try:
                        expanded |= {str(t) for t in parse_tag(tag)}
                    except Exception:  # noqa: BLE001
                        expanded.add(tag)
                out["wheel_tags_match"] = expanded == set(out["fn_tags"])
        meta = read(f"{di}/METADATA")
        if meta is not None:
            h = headers(meta)
            out["metadata_version"] = (h.get("Metadata-Version") or "").strip() or None
            out["meta_name"] = (h.get("Name") or "").strip() or None
            out["meta_version"] = (h.get("Version") or "").strip() or None
            if "fn_name" in out and out["meta_name"]:
                out["meta_name_matches"] = canonicalize_name(out["meta_name"]) == canonicalize_name(out["fn_name"])
            if "fn_version" in out and out["meta_version"]:
                out["meta_version_matches"] = same_version(out["meta_version"], out["fn_version"])
                out["meta_version_pep440"] = valid_version(out["meta_version"])
        record = read(f"{di}/RECORD")
        if record is None:
            return
        rows = list(csv.reader(io.StringIO(record.decode("utf-8", "replace"))))
        rows = [r for r in rows if r]
        listed = {}
        algorithms = {}
        out["record_rows"] = len(rows)
        out["record_bad_rows"] = sum(1 for r in rows if len(r) != 3)
        no_hash, no_size, bad_hash = [], [], []
        for row in rows:
            row = (row + ["", "", ""])[:3]
            path_, hash_, size = row
            listed[path_] = (hash_, size)
            if path_ == f"{di}/RECORD":
                continue
            if not hash_:
                no_hash.append(path_)
            else:
                algo, _, value = hash_.partition("=")
                algorithms[algo] = algorithms.get(algo, 0) + 1
                if algo in hashlib.algorithms_guaranteed and path_ in names and not path_.endswith("/"):
                    try:
                        digest = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
                        if hashlib.new(algo, archive.read(path_)).digest() != digest:
                            bad_hash.append(path_)
                    except Exception:  # noqa: BLE001
                        bad_hash.append(path_)
            if hash_ and not size:
                no_size.append(path_)
        out["record_algorithms"] = algorithms
        out["record_no_hash"] = no_hash[:5]
        out["record_no_hash_count"] = len(no_hash)
        out["record_no_size_count"] = len(no_size)
        out["record_no_size"] = no_size[:5]
        out["record_hash_mismatch"] = bad_hash[:5]
        out["record_hash_mismatch_count"] = len(bad_hash)
        files = [n for n in names if not n.endswith("/")]
        unlisted = [n for n in files if n not in listed and n != f"{di}/RECORD"]
        out["unlisted_signatures"] = [n for n in unlisted if n.rsplit("/", 1)[-1] in SIGNATURES and n.startswith(di + "/")]
        out["unlisted"] = [n for n in unlisted if n not in out["unlisted_signatures"]][:5]
        out["unlisted_count"] = len(unlisted) - len(out["unlisted_signatures"])
        out["listed_missing"] = [p for p in listed if p not in names][:5]
        out["listed_missing_count"] = sum(1 for p in listed if p not in names)
        out["signatures"] = {n: list(listed.get(n, ("(not in RECORD)", ""))) for n in files if n.rsplit("/", 1)[-1] in SIGNATURES}
        out["dirs_listed"] = sum(1 for p in listed if p.endswith("/"))


def same_version(a, b):
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def valid_version(v):
    try:
        Version(v)
        return True
    except InvalidVersion:
        return False


def main():
    path = sys.argv[1]
    name = os.path.basename(path)
    out = {"file": name, "size": os.path.getsize(path)}
    out["testzip"] = testzip(path)
    out.update(file_name_facts(name))
    try:
        member_facts(path, name, out)
    except Exception as error:  # noqa: BLE001
        out["error"] = first_line(error)
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
