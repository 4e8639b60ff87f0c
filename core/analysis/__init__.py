"""Analysis (分析): one case across regions, batches of claims as columns, cost sweeps, synthetic claims.
"""
