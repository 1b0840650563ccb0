"""GoTrue's metadata merge (user_metadata, app_metadata): keys are set, a key set to null is
removed. Shared by the flows that change a user's metadata."""


def merge_metadata(current: dict | None, update: dict) -> dict:
    merged = dict(current or {})
    for key, value in update.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged
