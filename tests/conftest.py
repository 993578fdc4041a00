import os

from hypothesis import settings

# CI runs the same examples every time, so a failure there is reproducible.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
