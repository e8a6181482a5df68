"""factory_boy factories, one module per app. They expect the reference data to be loaded."""
