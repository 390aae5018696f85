"""The weekly post: built like any reply, claimed in a ledger, posted once per period and
channel.
"""
