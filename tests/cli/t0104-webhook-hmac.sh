#!/bin/sh
# t0104: webhook HMAC signatures under `sluice serve`, per provider scheme
# (GitHub X-Hub-Signature-256, Stripe Stripe-Signature t=,v1=, Shopify
# X-Shopify-Hmac-Sha256 base64, and a generic header with a signed
# timestamp header): a good signature is accepted; a wrong signature, a
# missing one, a stale timestamp, or the body altered by one byte gets 401
# and stores nothing (no event is added to the spool). Signatures are
# computed here with Python's hmac module, as the providers document.
. "$SRC/tests/cli/lib.sh"
pid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$T"' EXIT
assert_exit 0 "$SLUICE" init p
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
export GH_SECRET=gh-0104-secret-abc STRIPE_SECRET=whsec_0104_secret SHOP_SECRET=shpss_0104_secret GEN_SECRET=gen-0104-secret
cat > p/pipelines/gh.yml <<'YML'
source: {type: webhook, path: /hooks/github, signature: {scheme: github, secret: "${GH_SECRET}"}}
sinks: [{type: sqlite, table: gh}]
YML
cat > p/pipelines/stripe.yml <<'YML'
source: {type: webhook, path: /hooks/stripe, signature: {scheme: stripe, secret: "${STRIPE_SECRET}", tolerance: 5m}}
sinks: [{type: sqlite, table: stripe}]
YML
cat > p/pipelines/shop.yml <<'YML'
source: {type: webhook, path: /hooks/shopify, signature: {scheme: shopify, secret: "${SHOP_SECRET}"}}
sinks: [{type: sqlite, table: shop}]
YML
cat > p/pipelines/gen.yml <<'YML'
source:
  type: webhook
  path: /hooks/generic
  signature:
    header: X-Signature
    secret: "${GEN_SECRET}"
    algorithm: sha1
    format: base64
    prefix: "v1="
    timestamp_header: X-Timestamp
    signed_payload: timestamp.body
    tolerance: 2m
sinks: [{type: sqlite, table: gen}]
YML
assert_exit 0 "$SLUICE" -C p validate
"$SLUICE" -C p serve --listen 127.0.0.1:$PORT 2>"$T/serve.log" &
pid=$!
wait_for 20 curl -sf "$URL/healthz" && ok || fail "daemon did not come up: $(tail -5 "$T/serve.log")"
# events NAME...: the event records (not the ticks the daemon appends
# every second) in each pipeline's spool, one count a line
events() {
  python3 -c 'import glob, struct, sys
for name in sys.argv[1:]:
    n = 0
    for f in sorted(glob.glob("p/.sluice/spool/%s/*.log" % name)):
        b = open(f, "rb").read()
        i = 0
        while i + 9 <= len(b):
            (length,) = struct.unpack_from("<I", b, i + 4)
            n += b[i + 8] == 1
            i += 12 + length
    print(n)' "$@"
}
# every signature in one python3 run (a loaded CI machine starts python slowly):
# NAME=ALG:FORMAT:SECRET:MESSAGE lines in, NAME=value lines out
sigs() {
  python3 -c 'import base64,hashlib,hmac,sys
for line in sys.stdin.read().splitlines():
    name, rest = line.split("=", 1)
    alg, fmt, secret, msg = rest.split(":", 3)
    d = hmac.new(secret.encode(), msg.encode(), getattr(hashlib, alg)).digest()
    print(name + "=" + (d.hex() if fmt == "hex" else base64.b64encode(d).decode()))'
}
J='Content-Type: application/json'
BODY='{"action":"opened","number":42}'
ALTERED='{"action":"opened","number":43}'
NOW=$(date +%s)
OLD=$((NOW - 600))
sigs > "$T/sigs" <<EOF
GH_GOOD=sha256:hex:$GH_SECRET:$BODY
GH_WRONG=sha256:hex:wrong-secret:$BODY
ST_GOOD=sha256:hex:$STRIPE_SECRET:$NOW.$BODY
ST_STALE=sha256:hex:$STRIPE_SECRET:$OLD.$BODY
ST_WRONG=sha256:hex:x:$NOW.$BODY
SH_GOOD=sha256:base64:$SHOP_SECRET:$BODY
SH_HEX=sha256:hex:$SHOP_SECRET:$BODY
GEN_GOOD=sha1:base64:$GEN_SECRET:$NOW.$BODY
GEN_STALE=sha1:base64:$GEN_SECRET:$OLD.$BODY
EOF
. "$T/sigs"

# GitHub
GOOD=$GH_GOOD
assert_eq "github good" "$(http POST $URL/hooks/github -H "$J" -H "X-Hub-Signature-256: sha256=$GOOD" -d "$BODY")" 200
assert_eq "github wrong" "$(http POST $URL/hooks/github -H "$J" -H "X-Hub-Signature-256: sha256=$GH_WRONG" -d "$BODY")" 401
assert_contains "github wrong says why" "signature: the signature does not match" "$T/body"
assert_eq "github altered" "$(http POST $URL/hooks/github -H "$J" -H "X-Hub-Signature-256: sha256=$GOOD" -d "$ALTERED")" 401
assert_eq "github missing" "$(http POST $URL/hooks/github -H "$J" -d "$BODY")" 401
assert_eq "github no prefix" "$(http POST $URL/hooks/github -H "$J" -H "X-Hub-Signature-256: $GOOD" -d "$BODY")" 401

# Stripe: t=<unix>,v1=<hex HMAC of "t.body">
GOOD=$ST_GOOD
assert_eq "stripe good" "$(http POST $URL/hooks/stripe -H "$J" -H "Stripe-Signature: t=$NOW,v1=$GOOD" -d "$BODY")" 200
STALE=$ST_STALE
assert_eq "stripe stale" "$(http POST $URL/hooks/stripe -H "$J" -H "Stripe-Signature: t=$OLD,v1=$STALE" -d "$BODY")" 401
assert_contains "stripe stale says why" "outside the tolerance" "$T/body"
assert_eq "stripe timestamp swapped" "$(http POST $URL/hooks/stripe -H "$J" -H "Stripe-Signature: t=$((NOW + 1)),v1=$GOOD" -d "$BODY")" 401
assert_eq "stripe altered" "$(http POST $URL/hooks/stripe -H "$J" -H "Stripe-Signature: t=$NOW,v1=$GOOD" -d "$ALTERED")" 401
assert_eq "stripe wrong" "$(http POST $URL/hooks/stripe -H "$J" -H "Stripe-Signature: t=$NOW,v1=$ST_WRONG" -d "$BODY")" 401

# Shopify: base64, no prefix
GOOD=$SH_GOOD
assert_eq "shopify good" "$(http POST $URL/hooks/shopify -H "$J" -H "X-Shopify-Hmac-Sha256: $GOOD" -d "$BODY")" 200
assert_eq "shopify altered" "$(http POST $URL/hooks/shopify -H "$J" -H "X-Shopify-Hmac-Sha256: $GOOD" -d "$ALTERED")" 401
assert_eq "shopify hex instead of base64" "$(http POST $URL/hooks/shopify -H "$J" -H "X-Shopify-Hmac-Sha256: $SH_HEX" -d "$BODY")" 401

# generic: sha1, base64, prefix v1=, a signed timestamp header
GOOD=$GEN_GOOD
assert_eq "generic good" "$(http POST $URL/hooks/generic -H "$J" -H "X-Timestamp: $NOW" -H "X-Signature: v1=$GOOD" -d "$BODY")" 200
assert_eq "generic no timestamp" "$(http POST $URL/hooks/generic -H "$J" -H "X-Signature: v1=$GOOD" -d "$BODY")" 401
STALE=$GEN_STALE
assert_eq "generic stale" "$(http POST $URL/hooks/generic -H "$J" -H "X-Timestamp: $OLD" -H "X-Signature: v1=$STALE" -d "$BODY")" 401
assert_eq "generic altered" "$(http POST $URL/hooks/generic -H "$J" -H "X-Timestamp: $NOW" -H "X-Signature: v1=$GOOD" -d "$ALTERED")" 401

# each good request added its one event; no refused one added any
assert_eq "events in the spools (gh, stripe, shop, gen)" "$(events gh stripe shop gen | tr '\n' ' ')" "1 1 1 1 "

# secrets never shown
if grep -q "$GH_SECRET\|$STRIPE_SECRET\|$SHOP_SECRET\|$GEN_SECRET" "$T/serve.log"; then fail "a secret in the log"; else ok; fi
kill -TERM $pid; wait $pid; pid=

# a signature without a secret, an unknown scheme: configuration errors at file:line:col
printf 'source: {type: webhook, path: /x, signature: {scheme: gitlab, secret: s}}\nsinks: [{type: sqlite, table: x}]\n' > p/pipelines/gh.yml
assert_exit 2 "$SLUICE" -C p validate
assert_contains "unknown scheme" "gh.yml:1:" "$T/err"
assert_contains "unknown scheme named" "unknown signature scheme 'gitlab'" "$T/err"
finish
