"""Fix pull requests (SPEC §2 ``POST /api/fix``): raise vulnerable dependencies to their
fixed releases in the manifests of a scanned commit and open a pull request with them.

``editors/`` holds one module per manifest format; ``plan`` decides which manifest gets
which bump; ``service`` reads the files from GitHub, edits them and opens the pull
request through :mod:`bastion.github.pulls`.
"""
