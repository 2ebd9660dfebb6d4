"""Checking letters: rules, matching, findings and reports."""
