"""surveys' pages: the panelist's (answering) and the console's (authoring, distribution, results)."""
