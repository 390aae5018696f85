"""The metrics: one module a metric (its Part, handler and Metric), their shared pieces, the
registry.
"""
