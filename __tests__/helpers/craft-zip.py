"""Writes a hostile or damaged copy of a real wheel, byte by byte, for the zip
structure checks: Python's zipfile cannot write these (it keeps a zip
consistent), so this has its own small zip writer. Every member keeps its
content and RECORD stays right unless the kind says otherwise: only the zip
structure lies.

usage: craft-zip.py KIND SRC DST [N] [--version V]

--version V renames the distribution's version first (its .dist-info,
RECORD's rows, METADATA's Version), so that several crafted copies of one
wheel can lie side by side as different distributions.

KIND:
  plain            SRC rewritten by this writer unchanged (a control: must verify)
  descriptors      SRC rewritten with every file's CRC-32 and sizes in a data
                   descriptor after its data, as a streaming writer does
                   (legal: must verify)
  name-mismatch    one member's local header names another file of the same
                   length; the central directory keeps the real name
  cp437-local      a new member wheel/café.py (in RECORD): its name UTF-8
                   flagged in the central directory, CP437 in its local
                   header, the same name both ways (legal: must verify)
  flag-mismatch    the same member, the same UTF-8 bytes in both headers,
                   but the local header without the UTF-8 flag: it reads
                   "wheel/caf├⌐.py" there
  evil-name        a new member (in RECORD) named "../" + an escape sequence
                   and a newline: a name no message may print raw
  overlap          Fifield's quoted overlap: a new member (listed in RECORD
                   with its right hash) whose deflate data is a stored block
                   quoting the next member's local header, then that member's
                   own deflate data; the two share their bytes
  big-member       a new member of N MiB of zeros (default 64), honestly
                   deflated and listed: the declared sizes sum to more than
                   250 times the archive
  lying-size       one member's uncompressed size in the central directory
                   set to 3 GiB: more than deflate can make of its data
  crc-flip         one bit of one member's CRC-32 flipped in the central
                   directory only (its data and RECORD are right)
  big-record       RECORD padded with N MiB (default 255) of repeated rows,
                   honestly deflated
  record-inflates  RECORD's data inflates to N MiB (default 255) but the
                   central directory declares its real size
  many-members     the end records (zip64) declare 300,000 members

The member changed is `wheel/util.py` where one is needed (a member of
samples/wheel-0.43.0-py3-none-any.whl). Prints DST.
"""
import base64
import hashlib
import struct
import sys
import zipfile
import zlib

args = sys.argv[1:]
version = None
if "--version" in args:
    at = args.index("--version")
    version = args[at + 1]
    del args[at : at + 2]
kind, src, dst = args[0], args[1], args[2]
n = int(args[3]) if len(args) > 3 else None
TARGET = "wheel/util.py"
MIB = 1024 * 1024


def deflate(data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def deflate_zeros(size):
    """Raw deflate of `size` zero bytes, made a MiB at a time."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    out, block = [], bytes(MIB)
    for _ in range(size // MIB):
        out.append(c.compress(block))
    out.append(c.compress(bytes(size % MIB)))
    out.append(c.flush())
    return b"".join(out)


def record_row(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}\n"


class Member:
    def __init__(self, name, data, raw=None, crc=None, size=None):
        self.name = name
        self.local_name = name
        self.method = 0 if name.endswith("/") else 8
        self.raw = raw if raw is not None else (data if self.method == 0 else deflate(data))
        self.crc = zlib.crc32(data) if crc is None else crc
        self.size = len(data) if size is None else size
        self.cd_crc = self.crc
        self.cd_size = self.size
        self.external = (0o40755 if name.endswith("/") else 0o644) << 16
        self.quote_next = False  # overlap: this member's data runs on into the next member
        self.descriptor = False  # CRC-32 and sizes in a data descriptor after the data
        self.local_encoding = "utf-8"  # "cp437": the local header's name unflagged, in CP437
        self.local_raw = None  # the local header's name bytes as they are, unflagged

    def descriptor_bytes(self, csize):
        return struct.pack("<IIII", 0x08074B50, self.crc, csize, self.size) if self.descriptor else b""

    def flags(self, name):
        return (0 if name.isascii() else 0x800) | (0x08 if self.descriptor else 0)

    def local_header(self, csize):
        name = self.local_raw or self.local_name.encode(self.local_encoding)
        flags = self.flags(self.local_name) & ~(0x800 if self.local_raw or self.local_encoding != "utf-8" else 0)
        crc, csize, size = (0, 0, 0) if self.descriptor else (self.crc, csize, self.size)
        return struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, self.method, 0, 0x5821, crc, csize, size, len(name), 0) + name


def stored_block_header(length):
    """A non-final stored deflate block of `length` bytes: its bytes follow verbatim."""
    return struct.pack("<BHH", 0, length, length ^ 0xFFFF)


def write(members, path, declared_count=None):
    out = bytearray()
    for i, m in enumerate(members):
        m.offset = len(out)
        if m.quote_next:
            nxt = members[i + 1]
            quoted = nxt.local_header(len(nxt.raw))
            m.csize = 5 + len(quoted) + len(nxt.raw)
            out += m.local_header(m.csize) + stored_block_header(len(quoted))
        else:
            m.csize = len(m.raw)
            out += m.local_header(m.csize) + m.raw + m.descriptor_bytes(m.csize)
    cd_start = len(out)
    for m in members:
        name = m.name.encode()
        out += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x314, 20, m.flags(m.name), m.method, 0, 0x5821, m.cd_crc, m.csize, m.cd_size, len(name), 0, 0, 0, 0, m.external, m.offset) + name
    cd_size = len(out) - cd_start
    count = len(members) if declared_count is None else declared_count
    if count > 0xFFFF:
        zip64_at = len(out)
        out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, cd_size, cd_start)
        out += struct.pack("<IIQI", 0x07064B50, 0, zip64_at, 1)
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, cd_size, cd_start, 0)
    else:
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, cd_size, cd_start, 0)
    with open(path, "wb") as f:
        f.write(out)


with zipfile.ZipFile(src) as archive:
    contents = [(info.filename, archive.read(info)) for info in archive.infolist()]
if version is not None:
    info_dir = next(name for name, _ in contents if name.endswith(".dist-info/RECORD")).split("/")[0]
    stem = info_dir[: -len(".dist-info")]
    old_version = stem.rsplit("-", 1)[1]
    new_dir = f"{stem.rsplit('-', 1)[0]}-{version}.dist-info"
    renamed = []
    for name, data in contents:
        name = name.replace(f"{info_dir}/", f"{new_dir}/", 1)
        if name.endswith(".dist-info/METADATA"):
            data = data.replace(f"\nVersion: {old_version}\n".encode(), f"\nVersion: {version}\n".encode(), 1)
        renamed.append((name, data))
    rows = {name: record_row(name, data) for name, data in renamed if not name.endswith(".dist-info/RECORD")}
    record_name = f"{new_dir}/RECORD"
    contents = [(name, ("".join(rows.values()) + f"{record_name},,\n").encode() if name == record_name else data) for name, data in renamed]
members = [Member(name, data) for name, data in contents]
by_name = {m.name: m for m in members}
record = next(m for m in members if m.name.endswith(".dist-info/RECORD"))
record_data = zlib.decompress(record.raw, -15)


def set_record(text):
    i = members.index(by_name[record.name])
    members[i] = by_name[record.name] = Member(record.name, text)


def add_before_record(member, data):
    members.insert(members.index(by_name[record.name]), member)
    by_name[member.name] = member
    set_record(record_data.replace(f"{record.name},,".encode(), record_row(member.name, data).encode() + f"{record.name},,".encode()))


declared = None
if kind == "plain":
    pass
elif kind == "descriptors":
    for m in members:
        m.descriptor = not m.name.endswith("/")
elif kind == "name-mismatch":
    target = by_name[TARGET]
    target.local_name = TARGET.replace("util", "evil")
elif kind in ("cp437-local", "flag-mismatch"):
    data = b"# caf\xc3\xa9\n"
    cafe = Member("wheel/caf\u00e9.py", data)
    if kind == "cp437-local":
        cafe.local_encoding = "cp437"
    else:
        cafe.local_raw = cafe.name.encode()
    add_before_record(cafe, data)
elif kind == "evil-name":
    data = b"x = 1\n"
    add_before_record(Member("../\x1b[31mevil\n::error::x.py", data), data)
elif kind == "overlap":
    target = by_name[TARGET]
    quoted = target.local_header(len(target.raw))
    content = quoted + zlib.decompress(target.raw, -15)
    carrier = Member("wheel/overlap.py", content, raw=b"")
    carrier.quote_next = True
    members.insert(members.index(target), carrier)
    by_name[carrier.name] = carrier
    set_record(record_data.replace(f"{record.name},,".encode(), record_row(carrier.name, content).encode() + f"{record.name},,".encode()))
elif kind == "big-member":
    size = (n or 64) * MIB
    zeros = bytes(size)
    add_before_record(Member("wheel/zeros.bin", zeros, raw=deflate_zeros(size)), zeros)
elif kind == "lying-size":
    by_name[TARGET].cd_size = 3 * 1024 * MIB
elif kind == "crc-flip":
    by_name[TARGET].cd_crc ^= 1 << 7
elif kind == "big-record":
    # RECORD's first row repeated to N MiB before its last row, deflated a
    # MiB at a time (never held whole); size and CRC declared truly
    row = record_data.split(b"\n")[0] + b"\n"
    last = f"{record.name},,\n".encode()
    head = record_data[: record_data.index(last)]
    block = row * (MIB // len(row))
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts, crc, size = [], 0, 0
    for chunk in [head] + [block] * (n or 255) + [last]:
        parts.append(c.compress(chunk))
        crc, size = zlib.crc32(chunk, crc), size + len(chunk)
    parts.append(c.flush())
    i = members.index(record)
    members[i] = by_name[record.name] = Member(record.name, b"", raw=b"".join(parts), crc=crc, size=size)
elif kind == "record-inflates":
    # RECORD's own rows, then N MiB of zeros in the same deflate stream; the
    # central directory and local header keep RECORD's real size and CRC
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts = [c.compress(record_data)]
    for _ in range(n or 255):
        parts.append(c.compress(bytes(MIB)))
    parts.append(c.flush())
    by_name[record.name].raw = b"".join(parts)
elif kind == "many-members":
    declared = 300_000
else:
    sys.exit(f"unknown kind {kind}")

write(members, dst, declared)
print(dst)
