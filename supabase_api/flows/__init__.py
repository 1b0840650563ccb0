"""Use cases of the Admin API, one module each (in the manner of django-allauth's flows).

Flows know no HTTP: they take typed values (frozen dataclasses built from the serializers'
validated output, or model instances) and refuse with the `FlowError` family of
`supabase_api.flows.errors`; the views map those to GoTrue's wire format in one table
(`supabase_api.errors.FLOW_ERRORS`). Each flow owns its transaction and audit events.
"""
