"""Fetch the uv binary from PyPI into var/bin/uv, for machines that have Python but no pip.

A fresh Debian machine ships python3.11 without pip or venv; uv needs neither, and PyPI is
reachable, so we download uv's wheel (a zip) and take the binary out of it. The wheel's
sha256 from PyPI's simple index is checked before anything is written.
"""

from __future__ import annotations

import hashlib
import io
import platform
import re
import stat
import sys
import urllib.request
import zipfile
from pathlib import Path

UV_VERSION = "0.13.9"
TARGET = Path(__file__).resolve().parent.parent / "var" / "bin" / "uv"
ARCH_TAGS = {"x86_64": "manylinux_2_17_x86_64", "aarch64": "manylinux_2_17_aarch64"}


def main() -> None:
    arch = platform.machine()
    if arch not in ARCH_TAGS:
        sys.exit(f"No uv wheel known for {arch}; install uv by hand (pip install uv).")
    with urllib.request.urlopen("https://pypi.org/simple/uv/", timeout=60) as r:
        index = r.read().decode()
    name = re.escape(f"uv-{UV_VERSION}-py3-none-{ARCH_TAGS[arch]}")
    found = re.search(rf'href="([^"#]+/{name}[^"#]*\.whl)#sha256=([0-9a-f]+)"', index)
    if not found:
        sys.exit(f"uv {UV_VERSION} for {arch} is not on PyPI's index.")
    url, sha256 = found.groups()
    with urllib.request.urlopen(url, timeout=300) as r:
        payload = r.read()
    if hashlib.sha256(payload).hexdigest() != sha256:
        sys.exit("uv wheel checksum mismatch; refusing to install it.")
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        member = next(n for n in archive.namelist() if n.endswith(".data/scripts/uv"))
        TARGET.parent.mkdir(parents=True, exist_ok=True)
        TARGET.write_bytes(archive.read(member))
    TARGET.chmod(TARGET.stat().st_mode | stat.S_IEXEC | stat.S_IXGRP | stat.S_IXOTH)
    print(f"uv {UV_VERSION} installed at {TARGET}")


if __name__ == "__main__":
    main()
