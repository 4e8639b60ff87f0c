"""The rules engine (规则引擎): parameters, payer layers, signature order, working days, the rule register.

Imports :mod:`jiuzhu.model` and the plugin host only.
"""
