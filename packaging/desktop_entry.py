"""Entry script of the desktop build (packaging/build_desktop.sh): the `mcdesk` command.

PyInstaller freezes this file; everything else comes from the installed mcdesk package, so
the binary behaves like the console script: `mcdesk` opens the app on the bundled example,
`mcdesk app --native` a window, `mcdesk simulate ...` the command line.
"""

import multiprocessing
import sys

from mcdesk.cli import main

if __name__ == "__main__":
    # A frozen program that starts processes (NiceGUI's native window, process pools) must
    # let the child run its task instead of main() again.
    multiprocessing.freeze_support()
    sys.exit(main())
