"""Application security rules: OWASP Top 10 mapping, headers, access, dependencies."""
