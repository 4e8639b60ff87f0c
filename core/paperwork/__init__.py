"""Paperwork (表单与台账): filling a region's form templates and a month's ledgers.

The templates themselves live in each region plugin.
"""
