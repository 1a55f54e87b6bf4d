"""Open a local page in headless Chromium (the Debian package; `make tools-apt` installs it): a
screenshot and the console log, and a small PNG reader so a test can tell a drawing from a
blank page without an imaging library."""

import os
import shutil
import struct
import subprocess
import tempfile
import zlib

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0"]


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise AssertionError("headless Chromium is not installed: run `make tools-apt` (apt-get install -y chromium)")


def screenshot(page, png, width=1600, height=1400, scale=0.5, timeout=120):
    """Chromium's stderr after it wrote ``png`` of the local file ``page``, in a fresh profile
    (laid out at width x height, drawn at ``scale``: fewer pixels for png_pixels to read)."""
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        proc = subprocess.run([chromium()] + FLAGS + ["--user-data-dir=" + profile, "--window-size=%d,%d" % (width, height),
                                                      "--force-device-scale-factor=%s" % scale,
                                                      "--screenshot=" + png, "file://" + os.path.abspath(page)],
                              capture_output=True, text=True, timeout=timeout, check=False)
    assert proc.returncode == 0 and os.path.exists(png), proc.stderr
    return proc.stderr


def page_errors(log):
    """What the page itself logged: console messages, uncaught errors, failed loads."""
    return [line for line in log.splitlines()
            if ":CONSOLE" in line or "Uncaught" in line or "net::ERR_" in line or "Failed to load" in line]


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def png_pixels(path):
    """(width, height, [bytes of each row, RGB]) of an 8-bit RGB/RGBA non-interlaced PNG."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat.append(chunk)
        pos += 12 + length
    width, height, depth, color, interlace = header[0], header[1], header[2], header[3], header[6]
    assert depth == 8 and color in (2, 6) and interlace == 0, header
    bpp = 3 if color == 2 else 4
    raw, stride, rows, prev = zlib.decompress(b"".join(idat)), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, corner = prev[i], prev[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + (0, left, up, (left + up) // 2, _paeth(left, up, corner))[kind]) & 0xFF
        rows.append(bytes(line) if bpp == 3 else bytes(b for i, b in enumerate(line) if i % 4 != 3))
        prev = line
    return width, height, rows
