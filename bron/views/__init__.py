"""Read models shared by the registries and the stream processors: pure functions that render
an entity from its event record shape, so that every reader shows it the same way."""
