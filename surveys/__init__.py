"""Surveys: authoring, versions, targeting and distribution, responding, results.

Empty until the surveys issue fills it.
"""
