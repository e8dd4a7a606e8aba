{{ 'yes' if flag else 'no' }} {{ 'a' if nothing else 'b' if n > 5 else 'c' }}[{{ 'x' if false }}]
