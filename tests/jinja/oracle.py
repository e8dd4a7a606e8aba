#!/usr/bin/python3
"""oracle.py: the renderer's differential test.

Renders the hand-written cases of corpus.txt plus cases generated from a
fixed seed with python3-jinja2 (dbt's settings: SandboxedEnvironment with
the do and loopcontrols extensions, jinja2's defaults otherwise, strict
undefined as sluice) and with sluice (render_cli), and fails unless every
output is byte-identical (a case that fails in one must fail in the other).

Each --doc FILE (a Markdown page) adds its examples: a ```jinja block
followed by "renders:" and a ```text block must render to that text in
both, so the documentation's examples run as written.

Usage: oracle.py RENDER_CLI CORPUS [--doc FILE] [--seed N] [--generated N] [--keep FILE]
"""
import random
import re
import subprocess
import sys
import tempfile

import jinja2
import jinja2.runtime
import jinja2.ext
import jinja2.nodes
import jinja2.sandbox


class _BlockMacro(jinja2.ext.Extension):
    """dbt's {% test %} and {% docs %}: macros named test_X / docs_X."""

    tags = {"test", "docs"}

    def parse(self, parser):
        tag = next(parser.stream)
        node = jinja2.nodes.Macro(lineno=tag.lineno)
        name = parser.parse_assign_target(name_only=True).name
        node.args = []
        node.defaults = []
        if tag.value == "test":
            parser.parse_signature(node)
        node.name = tag.value + "_" + name
        node.body = parser.parse_statements(("name:end" + tag.value,), drop_needle=True)
        return node


class _Return(Exception):
    """dbt's MacroReturn: return(x) ends the macro, whose call is then x."""

    def __init__(self, value):
        super().__init__()
        self.value = value


def _return(value=None):
    raise _Return(value)


def _raise_compiler_error(msg):
    raise RuntimeError(msg)


_orig_invoke = jinja2.runtime.Macro._invoke


def _invoke(self, arguments, autoescape):
    try:
        return _orig_invoke(self, arguments, autoescape)
    except _Return as r:
        return r.value


jinja2.runtime.Macro._invoke = _invoke


class _Exceptions:
    raise_compiler_error = staticmethod(_raise_compiler_error)


def environment():
    env = jinja2.sandbox.SandboxedEnvironment(
        extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols", _BlockMacro],
        undefined=jinja2.StrictUndefined,
    )
    # dbt's text filters (TEXT_FILTERS in dbt_common/clients/jinja.py): the identity
    for name in ("as_text", "as_bool", "as_native", "as_number"):
        env.filters[name] = lambda x: x
    return env


def shout(x):
    return str(x).upper() + "!"


GLOBALS = {
    "s": "Hello World",
    "n": 7,
    "neg": -3,
    "f": 2.5,
    "big": 9223372036854775807,
    "items": [3, 1, 2],
    "names": ["bob", "Alice", "carol"],
    "words": ["a", "b", "c"],
    "cols": ["id", "name", "email"],
    "d": {"b": 2, "a": 1, "c": 3},
    "users": [
        {"name": "ann", "age": 31, "active": True},
        {"name": "bob", "age": 25, "active": False},
        {"name": "cy", "age": 40, "active": True},
    ],
    "empty": [],
    "nothing": None,
    "flag": True,
    "text": "  padded  ",
    "multiline": "line1\nline2\n\nline4",
    "nested": {"x": {"y": [10, 20, {"z": "deep"}]}},
    "shout": shout,
    "return": _return,
    "exceptions": _Exceptions(),
}


def parse_corpus(text):
    cases = []
    name, body = None, []
    for line in text.split("\n"):
        if line.startswith("=== "):
            if name is not None:
                cases.append((name, "\n".join(body) + "\n"))
            name, body = line[4:], []
        elif name is not None:
            body.append(line)
    if name is not None:
        cases.append((name, "\n".join(body)))
    return cases


def doc_examples(path):
    """(name, template, expected output) of each example of a Markdown page."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    pat = re.compile(r"```jinja\n(.*?)```\nrenders:\n```text\n(.*?)```", re.S)
    out = []
    for k, m in enumerate(pat.finditer(text)):
        out.append(("doc%d" % k, m.group(1), m.group(2)[:-1] if m.group(2).endswith("\n") else m.group(2)))
    return out


# ---- generated cases ----

NAMES = ["s", "n", "neg", "f", "items", "names", "words", "d", "flag", "nothing", "text", "empty"]
# (first/last are left to the hand-written cases: jinja2's optimizer folds
# `[] | last` at compile time and fails on a branch that never runs)
FILTERS0 = ["upper", "lower", "length", "list", "string", "int", "float", "abs", "trim",
            "capitalize", "title", "reverse", "sort", "unique", "round", "wordcount", "tojson", "join"]


def gen_literal(r):
    k = r.randrange(6)
    if k == 0:
        return str(r.randrange(-20, 100))
    if k == 1:
        return r.choice(["0.5", "1.25", "3.0", "1e3", "2.5e-3", "100.0", "0.1"])
    if k == 2:
        return repr(r.choice(["a", "xy", "Hello", "", "a b c", "3", "-4", " 12 ", "It's"]))
    if k == 3:
        return "[" + ", ".join(gen_literal(r) for _ in range(r.randrange(4))) + "]"
    if k == 4:
        return r.choice(["true", "false", "none"])
    return r.choice(NAMES)


def gen_expr(r, depth=0):
    if depth > 3:
        return gen_literal(r)
    k = r.randrange(9)
    if k < 2:
        return gen_literal(r)
    if k == 2:
        op = r.choice(["+", "-", "*", "//", "%", "~", "/", "**"])
        a, b = gen_expr(r, depth + 1), gen_expr(r, depth + 1)
        if op == "**":
            b = str(r.randrange(0, 5))
        return "(%s %s %s)" % (a, op, b)
    if k == 3:
        op = r.choice(["==", "!=", "<", ">", "<=", ">=", "in", "not in"])
        return "(%s %s %s)" % (gen_expr(r, depth + 1), op, gen_expr(r, depth + 1))
    if k == 4:
        op = r.choice(["and", "or"])
        return "(%s %s %s)" % (gen_expr(r, depth + 1), op, gen_expr(r, depth + 1))
    if k == 5:
        return "(not %s)" % gen_expr(r, depth + 1)
    if k == 6:
        f = r.choice(FILTERS0)
        arg = ""
        if f == "join":
            arg = "(%s)" % repr(r.choice([",", ", ", "-", ""]))
        elif f == "round":
            arg = r.choice(["", "(1)", "(2)", "(0, 'floor')", "(1, 'ceil')"])
        if f in ("unique", "reverse"):
            arg = " | list"  # jinja2 returns generators there; sluice returns lists
        return "(%s | %s%s)" % (gen_expr(r, depth + 1), f, arg)
    if k == 7:
        return "(%s if %s else %s)" % (gen_expr(r, depth + 1), gen_expr(r, depth + 1), gen_expr(r, depth + 1))
    return "(%s | default(%s))" % (gen_expr(r, depth + 1), gen_literal(r))


def gen_stmts(r, depth, loopvars):
    """A random sequence of statements: set, for (with loop vars, break,
    continue, else), if/elif/else, macro definition and call, output."""
    out = []
    for _ in range(r.randrange(1, 4)):
        k = r.randrange(8 if depth < 3 else 3)
        ws = lambda: r.choice(["", "", "-"])  # noqa: E731
        if k == 0:
            out.append("{%s set v%d = %s %s}" % ("%" + ws(), r.randrange(3), gen_expr(r, 2), ws() + "%"))
        elif k == 1:
            out.append("{{%s %s %s}}" % (ws(), r.choice(["v0", "v1", "v2", "n", "s"] + loopvars), ws()))
        elif k == 2:
            out.append(r.choice([" ", "\n", "x", "\n  ", ","]))
        elif k == 3:
            var = "i%d" % depth
            body = gen_stmts(r, depth + 1, loopvars + [var, "loop.index", "loop.first", "loop.revindex"])
            if r.randrange(4) == 0:
                body += "{%% if %s %%}{%% %s %%}{%% endif %%}" % (
                    r.choice(["loop.index > 1", "loop.last", var + " == 2"]), r.choice(["break", "continue"]))
            els = "{% else %}E" if r.randrange(3) == 0 else ""
            cond = " if %s is odd" % var if r.randrange(4) == 0 else ""
            out.append("{%%%s for %s in %s%s %%}%s%s{%% endfor %s%%}" % (
                ws(), var, r.choice(["items", "range(3)", "words", "empty", "[1, 2, 2]"]), cond, body, els, ws()))
        elif k == 4:
            out.append("{%% if %s %%}%s{%% elif %s %%}%s{%% else %%}%s{%% endif %%}" % (
                r.choice(["v0 is defined", "n > 3", "flag", "s", "empty"] + [lv + " == 1" for lv in loopvars[:1]]),
                gen_stmts(r, depth + 1, loopvars), r.choice(["false", "nothing is none"]),
                gen_stmts(r, depth + 1, loopvars), gen_stmts(r, depth + 1, loopvars)))
        elif k == 5:
            name = "m%d" % r.randrange(3)
            out.append("{%% macro %s(a, b=%s) %%}%s{{ a }}-{{ b }}{%% endmacro %%}{{ %s(%s) }}" % (
                name, gen_literal(r), gen_stmts(r, depth + 1, ["a", "b"]), name,
                r.choice(["1", "'x', 2", "b=3, a=4", "items"])))
        elif k == 6:
            out.append("{%% set ns = namespace(c=0) %%}{%% for q in items %%}{%% set ns.c = ns.c + q %%}"
                       "{%% endfor %%}{{ ns.c }}")
        else:
            out.append("{%% set blk %%}%s{%% endset %%}[{{ blk | trim }}]" % gen_stmts(r, depth + 1, loopvars))
    return "".join(out)


def gen_template(r):
    if r.randrange(3) == 0:
        return "{% set v0 = 0 %}{% set v1 = 'one' %}" + gen_stmts(r, 0, [])
    k = r.randrange(4)
    if k == 0:
        return "{{ %s }}" % gen_expr(r)
    if k == 1:
        return "{%% for x in %s %%}[{{ x }}|{{ loop.index }}]{%% else %%}none{%% endfor %%}" % r.choice(
            ["items", "names", "words", "d", "s", "empty", "[1, 2]", "range(%d)" % r.randrange(5)])
    if k == 2:
        return "{%% if %s %%}yes{%% elif %s %%}mid{%% else %%}no{%% endif %%}" % (gen_expr(r), gen_expr(r))
    ws = r.choice(["-", ""]), r.choice(["-", ""])
    return " a \n {%%%s set v = %s %s%%}\n {{%s v %s}} \n b " % (ws[0], gen_expr(r), ws[1], ws[1], ws[0])


def render_py(env, text):
    try:
        return env.from_string(text).render(GLOBALS), None
    except Exception as e:  # noqa: BLE001 - any failure is an ERROR case
        return None, "%s: %s" % (type(e).__name__, e)


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cli, corpus = args[0], args[1]
    seed, ngen, keep, docs = 12, 400, None, []
    i = 2
    while i < len(args):
        if args[i] == "--seed":
            seed = int(args[i + 1])
        elif args[i] == "--generated":
            ngen = int(args[i + 1])
        elif args[i] == "--keep":
            keep = args[i + 1]
        elif args[i] == "--doc":
            docs.append(args[i + 1])
        i += 2
    with open(corpus, encoding="utf-8") as fh:
        cases = parse_corpus(fh.read())
    expected = {}
    for path in docs:
        for name, body, want in doc_examples(path):
            cases.append((name, body))
            expected[name] = want
    if docs and not expected:
        print("no examples found in %s" % ", ".join(docs))
        return 1
    r = random.Random(seed)
    for k in range(ngen):
        cases.append(("gen%d" % k, gen_template(r) + "\n"))
    text = "".join("=== %s\n%s" % (name, body) for name, body in cases)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as tmp:
        tmp.write(text)
        path = tmp.name
    if keep:
        with open(keep, "w", encoding="utf-8") as fh:
            fh.write(text)
    proc = subprocess.run([cli, path], capture_output=True)
    got = proc.stdout.decode("utf-8", "surrogateescape")
    errs = proc.stderr.decode("utf-8", "replace").splitlines()
    if proc.returncode != 0:
        print("render_cli failed (exit %d):\n%s" % (proc.returncode, "\n".join(errs[-20:])))
        return 1
    outs = {}
    cur, buf = None, []
    for line in got.split("\n"):
        if line.startswith("=== ") and cur is None:
            cur, buf = line[4:], []
        elif line == "--- end" and cur is not None:
            outs[cur] = "\n".join(buf)
            cur = None
        elif cur is not None:
            buf.append(line)
    env = environment()
    bad = 0
    nerr = 0
    for name, body in cases:
        want, err = render_py(env, body)
        have = outs.get(name)
        if name.startswith("sluice_error_"):
            # sluice fails by design where Python would go on (64-bit integers)
            nerr += 1
            if have != "ERROR":
                bad += 1
                print("MISMATCH %s: sluice should fail, rendered %r" % (name, have))
            continue
        if name in expected and (err is not None or want != expected[name]):
            bad += 1
            print("DOC EXAMPLE %s: jinja2 renders %r (%s), the page says %r" % (name, want, err, expected[name]))
        if err is not None:
            nerr += 1
            if have != "ERROR":
                bad += 1
                print("MISMATCH %s: jinja2 failed (%s), sluice rendered %r\n  template: %r" % (name, err, have, body))
        elif have != want:
            bad += 1
            print("MISMATCH %s:\n  template: %r\n  jinja2:   %r\n  sluice:   %r" % (name, body, want, have))
    print("%d cases (%d hand-written, %d from docs, %d generated; %d errors in both), %d mismatches"
          % (len(cases), len(cases) - ngen - len(expected), len(expected), ngen, nerr, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
