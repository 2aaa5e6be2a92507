"""Builds a valid wheel (PEP 427): a package with one data file of the given size,
METADATA, WHEEL and a RECORD with every member's urlsafe-base64 sha256 and size,
as a build backend writes them. Used for fixtures too large to commit.

usage: make-wheel.py OUTDIR NAME VERSION SIZE_BYTES [SEED]
"""
import base64
import hashlib
import os
import random
import sys
import zipfile

out, name, version, size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
seed = int(sys.argv[5]) if len(sys.argv) > 5 else 0
dist = name.replace("-", "_")
info = f"{dist}-{version}.dist-info"
wheel = os.path.join(out, f"{dist}-{version}-py3-none-any.whl")
rng = random.Random(seed)
members = {
    f"{dist}/__init__.py": f'"""Test package {name} {version}."""\n__version__ = "{version}"\n'.encode(),
    f"{dist}/payload.bin": rng.randbytes(size),
    f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: generated test wheel\n".encode(),
    f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: wheel-guard make-wheel.py\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
record = []
for path, data in members.items():
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    record.append(f"{path},sha256={digest},{len(data)}")
record.append(f"{info}/RECORD,,")
members[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
with zipfile.ZipFile(wheel, "w", compression=zipfile.ZIP_STORED) as archive:
    for path, data in members.items():
        info_ = zipfile.ZipInfo(path, date_time=(2024, 1, 1, 0, 0, 0))
        info_.external_attr = 0o644 << 16
        archive.writestr(info_, data, compress_type=zipfile.ZIP_DEFLATED if path.endswith((".py", "METADATA", "WHEEL", "RECORD")) else zipfile.ZIP_STORED)
print(wheel)
