"""Reading and writing (输入输出): case files, the deployment configuration, text and JSON reports.
"""
