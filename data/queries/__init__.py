"""Read queries: functions that take a session and return rows or dataclasses; the grid, API and exports share them."""
