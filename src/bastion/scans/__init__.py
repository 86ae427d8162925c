"""Dependency scans as a service (SPEC §2): requests, reports, the scan job."""
