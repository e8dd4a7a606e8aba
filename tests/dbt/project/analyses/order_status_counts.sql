-- An analysis: compiled into target/compiled/, never run.
select status, count(*) as orders
from {{ ref('stg_orders') }}
group by status
