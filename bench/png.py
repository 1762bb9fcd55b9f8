#!/usr/bin/env python3
"""png.py - write a valid PNG of exactly SIZE bytes (default 102400, the
100 KiB of the upload scenarios) to OUT:

    bench/png.py OUT [SIZE]

An RGB image of pseudo-random pixels (a fixed seed: the same file every
run), so the IDAT stream does not compress and the file stays as large as
its pixels; a tEXt chunk pads it to the exact size.  Made with zlib and
struct only: signature, IHDR, tEXt, IDAT, IEND, each with its CRC.
"""
import random
import struct
import sys
import zlib

WIDTH = 128


def chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))


def png(size):
    rng = random.Random(8)
    sig = b"\x89PNG\r\n\x1a\n"
    end = chunk(b"IEND", b"")
    # Rows until the next one would not fit; the rest is padding.
    rows = []
    while True:
        row = b"\x00" + bytes(rng.getrandbits(8) for _ in range(WIDTH * 3))
        ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", WIDTH, len(rows) + 1, 8, 2, 0, 0, 0))
        idat = chunk(b"IDAT", zlib.compress(b"".join(rows + [row]), 9))
        pad = size - len(sig + ihdr + idat + end)
        if pad < 12 + len(b"Comment\x00"):
            break
        rows.append(row)
    ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", WIDTH, len(rows), 8, 2, 0, 0, 0))
    idat = chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
    pad = size - len(sig + ihdr + idat + end) - 12 - len(b"Comment\x00")
    text = chunk(b"tEXt", b"Comment\x00" + b"x" * pad)
    out = sig + ihdr + text + idat + end
    assert len(out) == size, (len(out), size)
    return out


def main():
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 102400
    with open(sys.argv[1], "wb") as f:
        f.write(png(size))


if __name__ == "__main__":
    main()
