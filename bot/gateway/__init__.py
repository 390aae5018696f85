"""The way every command goes, whatever surface it came from:
understand → access → answer → audit.
"""
