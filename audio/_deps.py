"""The one place where ``pydub`` and ``audioop`` are imported.

Both imports emit warnings that are noise for this package and would otherwise show up
in every worker log line and test run:

* pydub looks for ffmpeg at import time and warns when it is missing. ``audio/`` only
  ever uses pydub's WAV paths (raw PCM in, ``wave`` out), so ffmpeg is never needed.
* ``audioop`` is deprecated from Python 3.11 and removed in 3.13. It is the C code that
  makes this pipeline fast; on 3.13+ install the ``audioop-lts`` backport, which
  provides the same module name.

Every other module of the package imports ``AudioSegment`` and ``audioop`` from here, so
the warnings are silenced exactly once, narrowly, and nowhere else.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*audioop.*", category=DeprecationWarning)
    warnings.filterwarnings("ignore", message="Couldn't find ff", category=RuntimeWarning)
    import audioop

    from pydub import AudioSegment

__all__ = ["AudioSegment", "audioop"]
