x   {%- raw -%}   {{ raw }}   {%- endraw -%}   y
