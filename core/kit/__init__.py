"""The region author's kit (开发工具): scaffold, contract checks, case tests, pytest plugin, strategies.
"""
