"""The Kazakhstan industrialization model: its spec, the record-derived schedules, its parameters."""

from kazind.model.build import MODEL_FILE, build_spec, record_schedules

__all__ = ["MODEL_FILE", "build_spec", "record_schedules"]
