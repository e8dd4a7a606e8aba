#!/bin/sh
# t0095: a `type: attribution` model on the SQLite warehouse
# (docs/gtm/attribution.md), on the hand-computed project of
# tests/attribution/: every row (conversion, model, credited touch) equal
# to tests/attribution/expected.txt, worked out by hand from the rules:
# ties in time, a single touch, touches outside the window and after the
# conversion, only direct touches, w_shaped with milestones from a table,
# from a column and missing, a conversion without a touch ('(none)'), one
# without a time (skipped), one without a value (revenue NULL); per
# conversion and model the credits sum to 1 and the revenues to its value;
# a rebuild gives the same rows; spec typos are reported at file:line:col
# with a did-you-mean, a missing column and a bad time at build time with
# the model, input and column named, and a failing error check on the staged
# rows (write-audit-publish), each leaving the previous output as it was.
. "$SRC/tests/cli/lib.sh"
cp -r "$SRC/tests/attribution/project" p
dump() {
  q p/warehouse.db "select conversion_id, model, touch_index, touch_count, touched_at, channel, campaign, cost,
                           credit, revenue from attribution" |
    awk -F'|' 'BEGIN { OFS = "|" } { $9 = sprintf("%.6f", $9); if ($10 != "") $10 = sprintf("%.4f", $10); print }' |
    LC_ALL=C sort
}
assert_exit 0 "$SLUICE" -C p build
assert_contains "build message" "ATTRIBUTION 5 conversions (1 without a touch, 1 skipped), 10 touchpoints" "$T/out"
dump >"$T/got"
if diff "$SRC/tests/attribution/expected.txt" "$T/got" >"$T/diff"; then ok; else fail "rows differ: $(cat "$T/diff")"; fi
# every conversion and model: credits sum to 1, revenues to the value
assert_eq "conversion x model groups" "$(q p/warehouse.db "select count(*) from (select distinct conversion_id, model from attribution)")" "35"
assert_eq "sums" "$(q p/warehouse.db "select count(*) from (select conversion_id, model, sum(credit) as c, sum(revenue) as r,
    max(conversion_value) as v from attribution group by 1, 2)
  where abs(c - 1) > 1e-9 or (v is null) <> (r is null) or abs(r - v) > 1e-6")" "0"
assert_eq "no credit outside (0, 1]" "$(q p/warehouse.db "select count(*) from attribution where not (credit > 0 and credit <= 1)")" "0"
assert_eq "output types" "$(q p/warehouse.db "select group_concat(name || ':' || type, ' ') from pragma_table_info('attribution')")" \
  "conversion_id:TEXT entity_id:TEXT converted_at:TEXT conversion_value:REAL model:TEXT touch_index:INTEGER touch_count:INTEGER touched_at:TEXT channel:TEXT campaign:TEXT cost:REAL credit:REAL revenue:REAL"
assert_eq "entity and conversion time" "$(q p/warehouse.db "select distinct entity_id || ' ' || converted_at || ' ' || conversion_value from attribution where conversion_id = 'c1'")" \
  "u1 2026-05-01 10:00:00 1000.0"

# a rebuild: the same rows
assert_exit 0 "$SLUICE" -C p build -s attribution
dump >"$T/got2"
if cmp -s "$T/got" "$T/got2"; then ok; else fail "a rebuild changed the rows"; fi

# a subset of models and other parameters
sed -i 's/^models: .*/models: [position_based, last_non_direct]/; s/^position_based: .*/position_based: {first: 0.5, last: 0.3}/;
        s/^direct_channels: .*/direct_channels: [Direct, email]/' p/models/attribution.yml
assert_exit 0 "$SLUICE" -C p build -s attribution
assert_eq "models written" "$(q p/warehouse.db "select group_concat(m, ' ') from (select distinct model as m from attribution order by 1)")" \
  "last_non_direct position_based"
assert_eq "position_based 50/20/30 on c1" "$(q p/warehouse.db "select group_concat(touch_index || '=' || round(credit, 4), ' ') from
    (select * from attribution where conversion_id = 'c1' and model = 'position_based' order by touch_index)")" "1=0.5 2=0.1 3=0.1 4=0.3"
assert_eq "last_non_direct skips email and direct" "$(q p/warehouse.db "select channel from attribution where conversion_id = 'c1' and model = 'last_non_direct'")" \
  "paid_search"
assert_eq "subset rows" "$(q p/warehouse.db "select count(*) from attribution")" "16"
cp "$SRC/tests/attribution/project/models/attribution.yml" p/models/

# write-audit-publish: an error check fails on the staged rows (all 59 of
# them, flushed before the audit); the 16 published rows stay
cat > p/models/props.yml <<'YML'
version: 2
models:
  - name: attribution
    checks:
      - row_count: {max: 10}
      - range: {column: credit, min: 0, max: 1}
YML
assert_exit 1 "$SLUICE" -C p build -s attribution
assert_contains "audit" "check row_count failed before publish: row_count 59, expected <= 10 rows (the previous data stays)" "$T/out"
assert_eq "previous rows stay" "$(q p/warehouse.db "select count(*) from attribution")" "16"
rm p/models/props.yml

# spec typos: every one at its file:line:col, with a suggestion; nothing runs
sed 's/^lookback:/lookbak:/; s/linear, time_decay/linaer, time_decay/; s/  channel: channel/  chanel: channel/; s/first: 0.4, last: 0.4/first: 0.7, last: 0.4/' \
  "$SRC/tests/attribution/project/models/attribution.yml" >p/models/attribution.yml
assert_exit 2 "$SLUICE" -C p build
F="$T/p/models/attribution.yml"
assert_contains "missing key" "$F:4:3: touchpoints: needs 'channel'" "$T/err"
assert_contains "nested typo" "$F:7:3: unknown key 'chanel' in an attribution model; did you mean 'channel'?" "$T/err"
assert_contains "root typo" "$F:19:1: unknown key 'lookbak' in an attribution model; did you mean 'lookback'?" "$T/err"
assert_contains "model typo" "$F:20:52: models: 'linaer' is not an attribution model (first_touch, last_touch, last_non_direct, linear, time_decay, position_based, w_shaped); did you mean 'linear'?" "$T/err"
assert_contains "shares" "$F:22:18: position_based: the shares add up to 1.1, more than 1" "$T/err"
printf 'type: attribution\ntouchpoints: {from: touchpoints, entity: entity_id, time: touched_at, channel: channel}\nlookback: soon\n' >p/models/attribution.yml
assert_exit 2 "$SLUICE" -C p build
assert_contains "no conversions" "$F:1:7: an attribution model needs conversions: {from, id, entity, time}" "$T/err"
assert_contains "bad duration" "$F:3:11: lookback: must be a duration such as 90d, 36h or 1d12h" "$T/err"
printf 'type: attribution\ntouchpoints: {from: touchpoint, entity: entity_id, time: touched_at, channel: channel}\nconversions: {from: conversions, id: opportunity_id, entity: entity_id, time: converted_at}\n' >p/models/attribution.yml
assert_exit 2 "$SLUICE" -C p build
assert_contains "unknown input" "touchpoint" "$T/err"

# build-time errors: the previous output stays
sed 's/  channel: channel/  channel: chanel/' "$SRC/tests/attribution/project/models/attribution.yml" >p/models/attribution.yml
assert_exit 1 "$SLUICE" -C p build -s attribution
assert_contains "missing column" "model attribution: touchpoints.channel: 'touchpoints' has no column 'chanel'; did you mean 'channel'? (columns: entity_id, touched_at, channel, campaign, cost)" "$T/out"
cp "$SRC/tests/attribution/project/models/attribution.yml" p/models/
assert_exit 0 "$SLUICE" -C p build -s attribution
sed -i 's/^u4,2026-02-01T08:00:00Z/u4,first of February/' p/seeds/touchpoints.csv
assert_exit 1 "$SLUICE" -C p build
assert_contains "bad time" "model attribution: touchpoints (touchpoints): column touched_at holds 'first of February' (entity 'u4'), not a time" "$T/out"
dump >"$T/got3"
if cmp -s "$T/got" "$T/got3"; then ok; else fail "a failed build changed the output"; fi
finish
