"""Import ``audio`` before any test module imports pydub.

``audio._deps`` imports pydub with its ffmpeg and ``audioop`` deprecation warnings
silenced; once that import is cached, the tests' own ``from pydub import ...`` is quiet.
"""

import audio  # noqa: F401
