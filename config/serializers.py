"""What both APIs' request serializers share: their declared fields copied per request without
re-running each field's constructor.

DRF deep-copies a serializer's declared fields for every instance (`Serializer.get_fields`),
and a field's deep copy is a new field built from its arguments again (`Field.__deepcopy__`:
validators, choices, messages): 0.43 ms of a login-link request in the cProfile profile
(docs/performance.md). A field's state after construction is its configuration, which
validation only reads; `bind()` sets the name and parent on the copy. So a shallow copy per
instance is the same field, except where something is shared that could change: a nested
serializer or list/dict field (their children are bound to them) and a mutable default (one
object handed to every request) keep DRF's deep copy.
"""

import copy

from rest_framework import serializers
from rest_framework.fields import empty

_SHAREABLE_DEFAULTS = (type(None), bool, int, float, str, bytes, tuple, frozenset)
_DEEP = (serializers.BaseSerializer, serializers.ListField, serializers.DictField)


def _copy(field: serializers.Field) -> serializers.Field:
    default = field.default
    shareable = default is empty or callable(default) or isinstance(default, _SHAREABLE_DEFAULTS)
    if isinstance(field, _DEEP) or not shareable:
        return copy.deepcopy(field)
    # What copy.copy does for a plain object (a new instance of the class, the same attribute
    # dict), without its generic __reduce_ex__ protocol: 3 µs → 0.5 µs a field, per request.
    clone = object.__new__(type(field))
    clone.__dict__.update(field.__dict__)
    return clone


class CheaplyCopiedFields(serializers.Serializer):
    """A Serializer whose declared fields are copied shallowly (see the module docstring)."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {name: _copy(field) for name, field in self._declared_fields.items()}
