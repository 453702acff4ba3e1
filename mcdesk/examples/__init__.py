"""The bundled example: a 5 MWp solar farm capital project workbook and its saved spec.

``capital_project.xlsx`` and ``capital_project.spec.json`` are written by
``python -m mcdesk.examples.make_capital_project``.
"""
