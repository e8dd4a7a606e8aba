{% set shouted | upper | trim %}  quiet words  {% endset %}[{{ shouted }}]
