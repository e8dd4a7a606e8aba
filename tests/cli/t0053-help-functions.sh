#!/bin/sh
# t0053: `sluice help functions [NAME]` documents every expression function
# (sluice's own and the SQLite ones people use) with signature, result,
# NULL behaviour and an example; docs/FUNCTIONS.md is the same table
# (generated with --markdown, never out of date); and every documented
# example runs as written in a derive of a real pipeline and gives its
# documented value.
. "$SRC/tests/cli/lib.sh"
assert_exit 0 "$SLUICE" help functions
for f in "sha256(x)" "normalize_email(x)" "coalesce(x, y, ...)" "json_extract(json, path, ...)" "strftime(format, time, modifier, ...)" "substr(x, start[, length])"; do
  assert_contains "listed: $f" "  $f" "$T/out"
done
assert_exit 0 "$SLUICE" help functions NORMALIZE_EMAIL
assert_eq "one function" "$(cat "$T/out")" "normalize_email(x)  (sluice)
  returns: x trimmed and lower-cased (Unicode) when it is exactly one address local@domain (dot-atom local part, a domain of two labels or more); no gmail or +tag folding (canonical_email does that); audiences take sha256(normalize_email(email))
  NULL:    NULL gives NULL; so does a display name ('Jane <j@x.com>'), 'mailto:', two addresses, spaces or double dots inside, a missing or dotless domain
  example: normalize_email(' Ann.Lee+promo@GMail.com ')
           -> ann.lee+promo@gmail.com"
assert_exit 2 "$SLUICE" help functions json_extact
assert_contains "suggestion" "no function called 'json_extact' is documented; did you mean 'json_extract'?" "$T/err"
assert_exit 0 "$SLUICE" help
assert_contains "help points to functions" "'sluice help functions'" "$T/out"

# docs/FUNCTIONS.md is generated from the same table
assert_exit 0 "$SLUICE" help functions --markdown
if cmp -s "$T/out" "$SRC/docs/FUNCTIONS.md"; then ok; else
  fail "docs/FUNCTIONS.md is out of date: run 'sluice help functions --markdown > docs/FUNCTIONS.md' ($(diff "$T/out" "$SRC/docs/FUNCTIONS.md" | head -5))"
fi

# every example, as written, in a derive; the values must be the documented ones
assert_exit 0 "$SLUICE" --json help functions
cp "$T/out" funcs.json
n=$(python3 -c 'import json,sys; print(len(json.load(open("funcs.json"))["functions"]))')
[ "$n" -ge 30 ] && ok || fail "only $n functions documented"
mkdir -p p/pipelines p/data
echo "name: p" > p/sluice.yml
printf 'id\n1\n' > p/data/one.csv
python3 - <<'PY'
import json
fs = json.load(open("funcs.json"))["functions"]
cols = {"f%d" % i: f["example"] for i, f in enumerate(fs)}
pl = {"source": {"type": "csv", "path": "data/one.csv"},
      "transforms": [{"type": "derive", "columns": cols}],
      "sinks": [{"type": "jsonl", "path": "out.jsonl"}]}
open("p/pipelines/examples.yml", "w").write(json.dumps(pl, indent=1))
PY
assert_exit 0 "$SLUICE" -C p validate
assert_exit 0 "$SLUICE" -C p run examples
python3 - > "$T/bad" <<'PY'
import json
fs = json.load(open("funcs.json"))["functions"]
row = json.loads(open("p/out.jsonl").readline())
for i, f in enumerate(fs):
    got, want = row.get("f%d" % i), f["result"]
    if want == "NULL":
        good = got is None
    elif isinstance(got, (int, float)) and not isinstance(got, bool):
        good = float(want) == got
    else:
        good = got == want
    if not good:
        print("%s: %s gave %r, documented %r" % (f["name"], f["example"], got, want))
PY
assert_eq "examples that did not give their documented value" "$(cat "$T/bad")" ""

# a misspelt function: validate names the closest documented one
printf 'source: {type: csv, path: data/one.csv}\ntransforms:\n  - type: derive\n    columns: {e: "lowr(id)"}\nsinks: [{type: jsonl, path: typo.jsonl}]\n' > p/pipelines/typo.yml
assert_exit 2 "$SLUICE" -C p validate
assert_contains "function typo" "typo.yml:4:19: column 'e': expression 'lowr(id)': no such function: lowr; did you mean lower()?" "$T/err"

# the model types sluice computes have their help topic, one line each, and one per type
assert_exit 0 "$SLUICE" help model-types
for t in identity attribution score lifecycle; do assert_contains "help model-types lists $t" "type: $t" "$T/out"; done
assert_exit 0 "$SLUICE" help attribution
assert_contains "help of one type names its doc" "docs/gtm/attribution.md" "$T/out"
assert_exit 0 "$SLUICE" help
assert_contains "help names the topic" "sluice help model-types" "$T/out"
finish
