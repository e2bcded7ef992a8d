select
    id as event_id,
    position,
    topic,
    entity_type,
    entity_id,
    occurred_at
from {{ source('content', 'outbox_events') }}
