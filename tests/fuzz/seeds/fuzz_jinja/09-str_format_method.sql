{{ '{} + {} = {}'.format(1, 2, 3) }} {{ '{0}{1}{0}'.format('a', 'b') }} {{ '{name} is {age}'.format(name='ann', age=31) }} {{ '{{literal}} {}'.format('x') }} {{ '{!r}'.format('q') }}
