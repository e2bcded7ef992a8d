select
    id as event_id,
    position,
    topic,
    entity_type,
    entity_id,
    occurred_at
from {{ source('commerce', 'outbox_events') }}
