{% set ns = namespace(total=0, seen=[]) %}{% for i in items %}{% set ns.total = ns.total + i %}{% do ns.seen.append(i) %}{% endfor %}{{ ns.total }} {{ ns.seen }}
