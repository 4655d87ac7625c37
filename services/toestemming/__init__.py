"""Toestemming: citizens' consents and the published register of apps and purposes."""
