"""App-scanning targets and their scans (SPEC §3): the ``/dast/targets`` API, the
``dast.scan`` job that runs the engine under the target policy, and their storage."""
