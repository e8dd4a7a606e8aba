{%- set payment_methods = ['credit_card', 'coupon', 'bank_transfer', 'gift_card'] -%}

select
    order_id,
    {% for payment_method in payment_methods -%}
    sum(case when payment_method = '{{ payment_method }}' then amount end) as {{ payment_method }}_amount
    {%- if not loop.last %},{% endif %}
    {% endfor %}
from {{ 'raw' }}.{{ 'payments' }}
group by 1
