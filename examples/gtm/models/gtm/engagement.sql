{#- engagement: product engagement per CRM contact with the built-in
    engagement macros (docs/gtm/engagement.md): events of the last 7, 30
    and 90 days and whole days since the last one, counted to a fixed
    as_of so the example's figures do not move with the calendar. -#}
{{ engagement_metrics(ref('stg_events'), 'contact_id', 'event_at', windows=[7, 30, 90],
                      as_of='2026-11-30 00:00:00') }}
