"""Users, roles, registration, login and password reset."""
