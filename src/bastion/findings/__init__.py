"""One findings store for every scan type (SPEC §3): fingerprints, ingestion of
completed scans, and the ``/security`` API that searches and summarises them."""
