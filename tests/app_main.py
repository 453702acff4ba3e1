"""Entry point NiceGUI's ``user`` fixture runs for the app tests (pytest ini ``main_file``)."""

from mcdesk.app.main import run_for_tests

run_for_tests()
