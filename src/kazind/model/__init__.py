"""The Kazakhstan industrialization model: its spec, the record-derived schedules, its parameters."""

from kazind.model.build import MODEL_FILE, POLICY_LEVERS, build_spec, record_schedules

__all__ = ["MODEL_FILE", "POLICY_LEVERS", "build_spec", "record_schedules"]
