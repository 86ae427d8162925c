"""An OSV API v1 (osv.dev) compatible service over the local advisory mirror."""
