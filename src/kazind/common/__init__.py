"""Small pieces every layer shares: the error type, YAML with line numbers and limits,
atomic writes and output sets, units, the validator of counts and seeds, resource checks."""

from kazind.common.atomic import atomic_write
from kazind.common.errors import KazindError
from kazind.common.yamlio import YamlDocument, load_yaml

__all__ = ["KazindError", "YamlDocument", "atomic_write", "load_yaml"]
