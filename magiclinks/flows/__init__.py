"""Use cases of the link engine, one module each (in the manner of django-allauth's flows).

Each flow owns its transaction and writes its audit events inside it.
"""
