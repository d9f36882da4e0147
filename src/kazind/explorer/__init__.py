"""The explorer: a trilingual web page (Dash) over the record, the model and its scenarios.

``kazind serve`` runs it (see :mod:`kazind.explorer.app`); ``kazind report`` writes one
self-contained HTML file of the same charts (:mod:`kazind.explorer.report`). Element ids
are in :mod:`kazind.explorer.ids`; languages and formatting in :mod:`kazind.explorer.i18n`.
"""
