#!/usr/bin/env python3
"""gen_spool_seeds.py: write the seeds of fuzz_spool (segment files of a
spool, stream/spool.h framing) into tests/fuzz/seeds/fuzz_spool/.
Run from the source tree: python3 tests/fuzz/gen_spool_seeds.py"""
import os
import struct
import zlib

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds", "fuzz_spool")


def frame(kind, time_us, payload):
    body = struct.pack("<Bq", kind, time_us) + payload
    return b"SLSP" + struct.pack("<I", len(body)) + body + struct.pack("<I", zlib.crc32(body))


def main():
    os.makedirs(OUT, exist_ok=True)
    t = 1764500000000000
    events = [frame(1, t + i, b'{"type":"track","event":"e%d","userId":"u%d"}' % (i, i % 3)) for i in range(4)]
    seeds = {
        "empty.log": b"",
        "one.log": events[0],
        "events_and_tick.log": events[0] + events[1] + frame(2, t + 1000000, b"") + events[2],
        "torn_tail.log": events[0] + events[1] + events[2][:17],
        "corrupt_middle.log": events[0] + events[1][:20] + b"#" + events[1][21:] + events[2],
        "garbage_tail.log": events[0] + b"garbage\n" + b"\0" * 24,
    }
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
