"""Errors of ``POST /api/fix`` beyond the scan API's, as SPEC §2 codes.

``404 scan_not_found`` and ``403 no_write_access`` are SPEC's; the rest are codes of our
own for answers SPEC leaves open, each documented in the README and in OpenAPI.
"""

from __future__ import annotations

from bastion.scans.errors import ScanError, ScanNotFound


class ScanNotFinished(ScanError):
    """The scan is queued or running: there is nothing to fix yet."""

    code = "scan_not_finished"
    status_code = 409
    default_message = "The scan has not finished yet"


class NothingToFix(ScanError):
    """No finding of the scan has a fixed release bastion can write into a manifest."""

    code = "nothing_to_fix"
    status_code = 422
    default_message = "The scan found no vulnerable dependency with a fixed release"


class ScannedCommitGone(ScanNotFound):
    """The report exists, but GitHub no longer shows its repository or commit."""

    default_message = "The scanned repository or commit is no longer accessible"
