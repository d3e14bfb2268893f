"""Reusable Dash pieces shared by pages: the shell, access guard, formatting."""
