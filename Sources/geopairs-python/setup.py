"""Packs libGeoPairsC.so into the package: the one from `swift build -c release --product GeoPairsC`
in the repository (or the file $GEOPAIRS_LIBRARY names)."""
import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = os.path.dirname(os.path.abspath(__file__))
LIBRARY = "libGeoPairsC.so"


def built_library():
    path = os.environ.get("GEOPAIRS_LIBRARY") or os.path.join(HERE, "..", "..", ".build", "release", LIBRARY)
    if not os.path.isfile(path):
        raise SystemExit(f"geopairs: {path} does not exist; run `swift build -c release --product GeoPairsC` "
                         "in the repository first (or set GEOPAIRS_LIBRARY to the library)")
    return path


class BuildWithLibrary(build_py):
    def run(self):
        super().run()
        shutil.copy2(built_library(), os.path.join(self.build_lib, "geopairs", LIBRARY))


class NativeDistribution(Distribution):
    """The wheel carries a Linux shared library: tag it for this platform, not py3-none-any."""

    def has_ext_modules(self):
        return True


setup(cmdclass={"build_py": BuildWithLibrary}, distclass=NativeDistribution)
