"""`make bench`: every benchmark next to its bare baseline, measured in the same run."""
