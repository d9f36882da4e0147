"""Small pieces every layer shares: the error type, YAML with line numbers, atomic writes,
located schema errors, "did you mean" and the readers' languages."""

from kazind.common.atomic import atomic_write
from kazind.common.errors import KazindError
from kazind.common.langs import LANGS, check_lang
from kazind.common.suggest import did_you_mean, suggest
from kazind.common.validation import located_error
from kazind.common.yamlio import YamlDocument, load_yaml

__all__ = [
    "LANGS",
    "KazindError",
    "YamlDocument",
    "atomic_write",
    "check_lang",
    "did_you_mean",
    "load_yaml",
    "located_error",
    "suggest",
]
