"""``python -m sim``: run the light-curve simulator."""

import argparse
import sys

from .cli import add_arguments, run


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim",
                                     description="Simulate LSST-like light curves for MiniBroker.")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
