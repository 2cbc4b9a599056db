"""Builds the Cython kernels in ext/ into the coverage_sdk package.

Every ``ext/_name.pyx`` becomes ``coverage_sdk._name``. Directives are set here once;
``COVERAGE_SDK_DEBUG_BUILD=1`` turns bounds and wrap-around checks back on.
"""

import os
from pathlib import Path

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

DEBUG = os.environ.get("COVERAGE_SDK_DEBUG_BUILD") == "1"

DIRECTIVES = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "initializedcheck": DEBUG,
    "cdivision": not DEBUG,
    "embedsignature": True,
}

extensions = [
    Extension(
        f"coverage_sdk.{pyx.stem}",
        [str(pyx)],
        include_dirs=[numpy.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        extra_compile_args=["-O3", "-fopenmp"] if not DEBUG else ["-O0", "-g", "-fopenmp"],
        extra_link_args=["-fopenmp"],
    )
    for pyx in sorted(Path("ext").glob("*.pyx"))
]

setup(ext_modules=cythonize(extensions, compiler_directives=DIRECTIVES))
