"""The first-party reports plugin: the template pack, and the HTML and Word renderers.

Found through the ``antidrug_core`` entry point ``reports``. It adds the
``half_year`` and ``annual`` work summaries of a township or street office
(``antidrug_register_templates``) and renders reports as standalone HTML
and as Word documents laid out as official documents, with charts drawn by
matplotlib (``antidrug_register_renderers``). Markdown is in the core.
"""

from __future__ import annotations

import logging

from antidrug_core.plugins import hookimpl
from antidrug_core.registry import Registry
from antidrug_core.reports import Renderer, ReportTemplate
from antidrug_reports.pack import annual_template, half_year_template, template_pack

__all__ = [
    "annual_template",
    "antidrug_register_renderers",
    "antidrug_register_templates",
    "half_year_template",
    "template_pack",
]


@hookimpl(tryfirst=True)
def antidrug_register_templates(registry: Registry[ReportTemplate]) -> None:
    """The library's summaries: ``half_year`` and ``annual``; first, so a host can replace them."""
    for template in template_pack():
        registry.add(template)


@hookimpl(tryfirst=True)
def antidrug_register_renderers(registry: Registry[Renderer]) -> None:
    """``html`` and ``docx``; first, so a host can replace them.

    The renderers' libraries (jinja2, python-docx, matplotlib) are imported
    only here, when renderers are asked for: loading the plugin with every
    store stays cheap, and a library installed without the ``reports`` extra
    still works, offering Markdown alone.
    """
    try:
        from antidrug_reports.html import HtmlRenderer
        from antidrug_reports.word import WordRenderer
    except ImportError as error:
        logging.getLogger("antidrug_core").warning(
            "HTML and Word reports need %s, which pip install antidrug-core installs", error.name
        )
        return
    registry.add(HtmlRenderer())
    registry.add(WordRenderer())
