{#- customer_orders: a table (marts' materialized: table) with one column per
    payment method (a loop over a var returned by a macro), a tier from a dict,
    a currency from an environment variable and a date difference per warehouse. -#}
{%- set methods = payment_methods() -%}
{%- set tiers = {'gold': 3000, 'silver': 1000} -%}
{%- set currency -%}
    {{ env_var('SL_TEST_CURRENCY', 'usd') | trim | upper }}
{%- endset -%}
with orders as (
    select * from {{ ref('stg_orders') }}
),
per_order as (
    select
        order_id,
        {%- for m in methods %}
        sum(case when method = '{{ m }}' then amount_cents else 0 end) as {{ m }}_cents{{ "," if not loop.last }}
        {%- endfor %}
    from {{ ref('stg_payments') }}
    group by order_id
)
select
    c.customer_id,
    c.first_name || ' ' || c.last_name as full_name,
    r.region,
    count(o.order_id) as order_count,
    {%- for m in methods %}
    cast(coalesce(sum(p.{{ m }}_cents), 0) as bigint) as {{ m }}_cents,
    {%- endfor %}
    cast(coalesce(sum(o.amount_cents), 0) as bigint) as total_cents,
    {{ cents_to_dollars('coalesce(sum(o.amount_cents), 0)') }} as total_dollars,
    case
    {%- for tier, floor in tiers.items() %}
        when coalesce(sum(o.amount_cents), 0) >= {{ floor }} then '{{ tier | upper }}'
    {%- endfor %}
        else 'BRONZE'
    end as tier,
    {{ days_between('min(o.order_date)', 'max(o.order_date)') }} as active_days,
    '{{ currency }}' as currency
from {{ ref('stg_customers') }} c
left join {{ ref('country_regions') }} r on r.country_code = c.country_code
left join orders o on o.customer_id = c.customer_id
left join per_order p on p.order_id = o.order_id
group by c.customer_id, c.first_name, c.last_name, r.region
