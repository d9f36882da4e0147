"""The Kazakhstan industrialization model: its spec, the record-derived schedules, its
parameters, its levers and its calibrated spec (cached here for every layer above)."""

from kazind.model.build import (
    CALIBRATED_DIR,
    CALIBRATED_FILE,
    DATA_DIR,
    LEVERS,
    MODEL_FILE,
    POLICY_LEVERS,
    Lever,
    build_spec,
    calibrated_spec,
    record_schedules,
)

__all__ = [
    "CALIBRATED_DIR",
    "CALIBRATED_FILE",
    "DATA_DIR",
    "LEVERS",
    "MODEL_FILE",
    "POLICY_LEVERS",
    "Lever",
    "build_spec",
    "calibrated_spec",
    "record_schedules",
]
