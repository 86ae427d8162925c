"""GitHub webhooks (``POST /webhook``) and the ``bastion`` check runs they lead to.

Kept free of imports: ``bastion.scans.jobs`` reaches ``bastion.webhooks.repository`` while
the scan service, which this package also uses, is still being imported.
"""
