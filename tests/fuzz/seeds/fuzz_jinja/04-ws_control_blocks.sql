<ul>
{%- for w in words %}
  <li>{{ w }}</li>
{%- endfor %}
</ul>
