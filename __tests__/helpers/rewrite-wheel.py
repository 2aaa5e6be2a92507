"""Copies a wheel with changes, for content-check fixtures: real wheels in,
mutated or unusual-but-legal wheels out. Python's zipfile writes them, as
build backends do.

usage: rewrite-wheel.py SRC DST SPEC_JSON

SPEC keys, applied in this order (all optional):
  rename   [[old_prefix, new_prefix], ...]  renames members (and, with rehash, their RECORD rows)
  drop     [path, ...]                      removes members
  set      {path: text}                     replaces or adds members (RECORD untouched unless rehash)
  dirs     [path/, ...]                     adds directory entries
  rehash   true                             rewrites RECORD: every member but RECORD and `unlisted`,
                                            sha256 and size, csv-quoted as Python writes it
  unlisted [path, ...]                      with rehash: members left out of RECORD
  rows     [[path, hash, size], ...]        with rehash: extra RECORD rows (e.g. RECORD.jws with no hash)
  stored   true                             store every member uncompressed (default: deflate)
"""
import base64
import csv
import hashlib
import io
import json
import sys
import zipfile

src, dst, spec = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])

with zipfile.ZipFile(src) as archive:
    members = {info.filename: archive.read(info) for info in archive.infolist()}

for old, new in spec.get("rename", []):
    members = {(new + name[len(old):] if name.startswith(old) else name): data for name, data in members.items()}
for path in spec.get("drop", []):
    del members[path]
for path, text in spec.get("set", {}).items():
    members[path] = text.encode()
for path in spec.get("dirs", []):
    members[path] = b""

if spec.get("rehash"):
    record = next(name for name in members if name.endswith(".dist-info/RECORD"))
    unlisted = set(spec.get("unlisted", []))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for path, data in members.items():
        if path == record or path in unlisted or path.endswith("/"):
            continue
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        writer.writerow([path, f"sha256={digest}", len(data)])
    for row in spec.get("rows", []):
        writer.writerow(row)
    writer.writerow([record, "", ""])
    members[record] = out.getvalue().encode()

method = zipfile.ZIP_STORED if spec.get("stored") else zipfile.ZIP_DEFLATED
with zipfile.ZipFile(dst, "w") as archive:
    for path, data in members.items():
        info = zipfile.ZipInfo(path, date_time=(2024, 1, 1, 0, 0, 0))
        info.external_attr = (0o40755 if path.endswith("/") else 0o644) << 16
        archive.writestr(info, data, compress_type=zipfile.ZIP_STORED if path.endswith("/") else method)
print(dst)
