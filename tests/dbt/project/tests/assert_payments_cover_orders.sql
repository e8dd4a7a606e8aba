-- A singular test: every order's payments add up to its amount (rows returned fail).
select o.order_id, o.amount_cents, coalesce(sum(p.amount_cents), 0) as paid_cents
from {{ ref('stg_orders') }} o
left join {{ ref('stg_payments') }} p on p.order_id = o.order_id
group by o.order_id, o.amount_cents
having coalesce(sum(p.amount_cents), 0) <> o.amount_cents
