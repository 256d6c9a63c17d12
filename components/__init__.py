"""Reusable UI builders: figures, grids, alerts, job widgets, uploads, page chrome.

Components turn finance_core results into Dash components; they do no finance.
"""
