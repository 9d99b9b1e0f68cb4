"""Who may open a file is who may open its record.

Each domain registers the rule of each record kind it attaches files to
(`register_access("incident", rule)`, rule(user, attachment) -> bool); a kind without a rule
is served to nobody, so a new domain cannot forget it.
"""

from collections.abc import Callable

_ACCESS_RULES: dict[str, Callable] = {}


def register_access(entity_type: str, rule: Callable) -> None:
    _ACCESS_RULES[entity_type] = rule


def may_open(user, attachment) -> bool:
    rule = _ACCESS_RULES.get(attachment.entity_type)
    return rule is not None and bool(rule(user, attachment))
