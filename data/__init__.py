"""The store: models, engine and sessions, migrations, reference data and the demo generator."""
