{# The tenant status a vendor status maps to (api/sync/mapping.py VENDOR_TO_TENANT_STATUS). #}
{% macro tenant_status_for(vendor_status) %}
    case {{ vendor_status }}
        when 'approved' then 'active'
        when 'suspended' then 'suspended'
        else 'draft'
    end
{% endmacro %}
