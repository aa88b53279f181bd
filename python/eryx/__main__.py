"""python -m eryx: the eryx command (the same C++ code as build/eryx; docs/guide/cli.md)."""

import sys

from eryx import _eryx


def main():
    # The command writes to the process's own stdout and stderr: Python's buffers go first.
    sys.stdout.flush()
    sys.stderr.flush()
    return _eryx._cli_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
