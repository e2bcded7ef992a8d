select
    id as audit_entry_id,
    occurred_at,
    actor_kind,
    actor_id,
    action,
    entity_type,
    entity_id,
    request_id
from {{ source('commerce', 'audit_log') }}
