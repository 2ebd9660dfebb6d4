"""Peer audit: rubric, packs, scores and reports."""
