"""Public and staff views of the commitments app, one module per concern."""
