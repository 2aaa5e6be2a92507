"""Builds a valid wheel (PEP 427): a package with one data file of the given size,
METADATA, WHEEL and a RECORD with every member's urlsafe-base64 sha256 and size,
as a build backend writes them. Used for fixtures too large to commit.

--deflate: instead, SIZE_BYTES of compressible text (lines of words drawn from
a seeded vocabulary, as source code is; it deflates about 2x) in many members
of 16-256 KiB, every member DEFLATED, as most real wheels are. Without it the
output is byte for byte what it always was.

usage: make-wheel.py OUTDIR NAME VERSION SIZE_BYTES [SEED] [--deflate]
"""
import base64
import hashlib
import os
import random
import sys
import zipfile

deflate = "--deflate" in sys.argv[1:]
argv = [arg for arg in sys.argv if arg != "--deflate"]
out, name, version, size = argv[1], argv[2], argv[3], int(argv[4])
seed = int(argv[5]) if len(argv) > 5 else 0
dist = name.replace("-", "_")
info = f"{dist}-{version}.dist-info"
wheel = os.path.join(out, f"{dist}-{version}-py3-none-any.whl")
rng = random.Random(seed)

def text_members():
    """SIZE_BYTES of source-like text in members of 16-256 KiB (seeded)."""
    alphabet = "abcdefghijklmnopqrstuvwxyz_"
    vocab = ["".join(rng.choices(alphabet, k=rng.randint(2, 12))) for _ in range(4096)]
    vocab += ["def", "return", "self", "import", "if", "else:", "for", "in", "(", ")", "=", "==", "+", "None", "True"] * 40
    result = {}
    left, index = size, 0
    while left > 0:
        n = min(left, rng.randint(16 << 10, 256 << 10))
        lines, length = [], 0
        while length < n:
            line = "    " * rng.randint(0, 3) + " ".join(rng.choices(vocab, k=rng.randint(3, 12))) + "\n"
            lines.append(line)
            length += len(line)
        result[f"{dist}/mod{index:05d}.py"] = "".join(lines).encode()[:n]
        left -= n
        index += 1
    return result


members = {
    f"{dist}/__init__.py": f'"""Test package {name} {version}."""\n__version__ = "{version}"\n'.encode(),
    **(text_members() if deflate else {f"{dist}/payload.bin": rng.randbytes(size)}),
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
        archive.writestr(info_, data, compress_type=zipfile.ZIP_DEFLATED if deflate or path.endswith((".py", "METADATA", "WHEEL", "RECORD")) else zipfile.ZIP_STORED)
print(wheel)
