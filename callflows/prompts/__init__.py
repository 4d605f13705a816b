"""Every text a caller hears, per language: Dutch first, then French, German, English.

One module per flow holds that flow's prompts; keys are unique across them and are also
the file names of recorded prompts (`audio/prompts/<lang>/<key>.wav`).
"""

from __future__ import annotations

from callflows.prompts import callback, member, recording

LANGUAGES = ("nl", "fr", "de", "en")

PROMPTS: dict[str, dict[str, str]] = {}
for _module in (callback, member, recording):
    _clash = PROMPTS.keys() & _module.PROMPTS.keys()
    if _clash:
        raise RuntimeError(f"prompt keys defined twice: {sorted(_clash)}")
    PROMPTS.update(_module.PROMPTS)


def text(key: str, lang: str, **values: object) -> str:
    """The prompt `key` in `lang` (Dutch when missing), with `values` filled in."""
    variants = PROMPTS[key]
    template = variants.get(lang) or variants["nl"]
    return template.format(**values) if values else template
