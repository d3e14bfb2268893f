"""The domain: the rules of contact tracing, over data/. Pure Python; never builds a Dash component."""
