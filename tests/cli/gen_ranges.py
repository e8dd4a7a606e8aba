"""gen_ranges.py KIND SEED ROWS OUT: a small CSV or JSON Lines file full of
what a cut between two ranges could get wrong (t0120, t0121): quoted
fields with line breaks (LF, CRLF, a lone CR), doubled quotes, CRLF and LF
records, blank lines, rows with too many or too few fields, text after a
closing quote, invalid UTF-8, a BOM, a last line without a newline;
JSON Lines with bad lines, blank lines, non-objects and members that
first appear late. Deterministic for a seed."""
import random
import sys

kind, seed, rows, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rnd = random.Random(seed)
parts = []
if kind == "csv":
    parts.append(b"\xef\xbb\xbfid,name,note,n\r\n")
    for i in range(rows):
        r = rnd.random()
        note = rnd.choice([b"plain", b'"quoted, comma"', b'"multi\nline\nnote"', b'"esc ""q"" here"',
                           b'"cr\r\nlf"', b"", b'"a\n"', b'"lone\rcr"', b'"\n\n"'])
        eol = rnd.choice([b"\n", b"\r\n"])
        if r < 0.04:
            parts.append(b'%d,bad,"unterminated "x,1' % i + eol)
        elif r < 0.08:
            parts.append(b"%d,too,many,fields,here" % i + eol)
        elif r < 0.11:
            parts.append(b"%d,few" % i + eol)
        elif r < 0.13:
            parts.append(eol)
        elif r < 0.15:
            parts.append(b"%d,\xff\xfe bad utf8," % i + note + b",2" + eol)
        else:
            parts.append(b"%d,name%d," % (i, i) + note + b",%d" % rnd.randint(0, 999) + eol)
    parts.append(b'999999,last,"no newline",5')
else:
    for i in range(rows):
        r = rnd.random()
        if r < 0.04:
            parts.append(b'{"id": %d, "bad": \n' % i)
        elif r < 0.07:
            parts.append(b"\n")
        elif r < 0.09:
            parts.append(b"[1,2]\n")
        elif r < 0.10:
            parts.append(b'{"id": %d, "late_%d": 1}\n' % (i, i))
        else:
            parts.append(b'{"id": %d, "name": "n\\n%d", "v": %d}\r\n' % (i, i, rnd.randint(0, 99)))
    parts.append(b'{"id": 999999, "name": "last"}')
with open(out, "wb") as f:
    f.write(b"".join(parts))
