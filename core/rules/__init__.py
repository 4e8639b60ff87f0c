"""The rules engine (规则引擎): parameters, payer layers, signature order, working days, the rule register.

Imports :mod:`jiuzhu.model` and the plugin host only.
"""

# The flat layout's ``jiuzhu.rules`` module was the rule register, now :mod:`jiuzhu.rules.register`.
_REGISTER = {"RuleEntry", "STATUSES", "coverage", "load_rules", "scan_tests"}


def __getattr__(name):
    if name in _REGISTER:
        import warnings

        from jiuzhu.rules import register

        warnings.warn(f"jiuzhu.rules.{name} moved to jiuzhu.rules.register.{name}", DeprecationWarning, stacklevel=2)
        return getattr(register, name)
    raise AttributeError(f"module 'jiuzhu.rules' has no attribute {name!r}")
