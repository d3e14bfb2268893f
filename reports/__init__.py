"""Org-unit rollups for FHI, fixed kommune reports, CSV/XLSX/PDF exports."""
