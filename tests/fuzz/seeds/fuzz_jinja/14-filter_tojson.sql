{{ {'b': 1, 'a': [1, 2.5, none, true, 'x<y>&\'']} | tojson }} {{ 'é' | tojson }} {{ users[0] | tojson(indent=2) }}
