"""The explorer: a trilingual web page (Dash) over the record, the model and its scenarios.

``kazind serve`` runs it on gunicorn (:mod:`kazind.explorer.server`, the app built by
:mod:`kazind.explorer.app`); ``kazind report`` writes one self-contained HTML file of the
same charts (:mod:`kazind.explorer.report`). The page is a frame (:mod:`.frame`: title,
language, tabs, URL state in :mod:`.state`) around one module per tab
(:mod:`kazind.explorer.pages`), each holding its layout, callbacks and chart builders.
Element ids are in :mod:`.ids`; languages, numbers and dates in :mod:`.i18n`; what every
tab shares in :mod:`.charts` (figures) and :mod:`.components` (page pieces).
"""
