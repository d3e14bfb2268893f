"""JSON HTTP API (Flask blueprint) with an OpenAPI document: self-registration intake, integrations, DHIS2 import/export."""
