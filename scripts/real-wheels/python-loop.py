"""The single-threaded Python baseline of the corpus report's speed table:
opens each wheel in DIR with zipfile and reads and sha256-hashes every member
(zipfile checks each member's CRC-32 as it reads). Standard library only.

usage: python3 python-loop.py DIR     prints: <wheels> wheels, <members> members, <bytes> bytes inflated
"""
import hashlib
import os
import sys
import zipfile


def main():
    root = sys.argv[1]
    wheels = members = inflated = 0
    for name in sorted(os.listdir(root)):
        if not name.endswith(".whl"):
            continue
        wheels += 1
        with zipfile.ZipFile(os.path.join(root, name)) as archive:
            for info in archive.infolist():
                digest = hashlib.sha256()
                with archive.open(info) as member:
                    while chunk := member.read(1 << 20):
                        digest.update(chunk)
                        inflated += len(chunk)
                members += 1
    print(f"{wheels} wheels, {members} members, {inflated} bytes inflated")


if __name__ == "__main__":
    main()
