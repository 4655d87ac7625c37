"""BRP (persons): the RvIG test set, the person domain (commands, events, state)."""
