"""Users, roles in org units, login/logout and the request gate. Used by the web layer and by tracing/ (the actor)."""
