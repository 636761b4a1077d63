"""The import's own body limit, read by the app's edge (kept free of imports at start-up)."""

from __future__ import annotations

import re

# An uploaded file may be this large (the JSON body limit does not apply to it).
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# The paths that take a file: the API's, and the web page's form.
UPLOAD_PATHS = re.compile(r"^(/api/v1)?/projects/[^/]+/import$")
