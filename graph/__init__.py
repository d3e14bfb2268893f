"""Transmission networks with networkx: build from the store, chains, generations, metrics, Cytoscape elements."""
