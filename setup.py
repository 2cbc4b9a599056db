"""Builds the Cython kernels in ext/ into the coverage_sdk package.

Every ``ext/_name.pyx`` becomes ``coverage_sdk._name``. Directives are set here once;
``COVERAGE_SDK_DEBUG_BUILD=1`` turns bounds and wrap-around checks back on.

OpenMP follows the compiler: ``/openmp`` for MSVC; for gcc and clang the first of ``-fopenmp``
and ``-Xpreprocessor -fopenmp -lomp`` (Apple clang with libomp) that compiles and links a probe;
none otherwise, and the ``prange`` loops then run serially. A kernel that does not compile is left
out with a one-line warning and the package uses its numpy twin, unless
``COVERAGE_SDK_REQUIRE_COMPILED=1`` makes that an error.
"""

import logging
import os
import tempfile
from pathlib import Path

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.errors import CCompilerError, ExecError, PlatformError

DEBUG = os.environ.get("COVERAGE_SDK_DEBUG_BUILD") == "1"
REQUIRE_COMPILED = os.environ.get("COVERAGE_SDK_REQUIRE_COMPILED", "") not in ("", "0")

DIRECTIVES = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "initializedcheck": DEBUG,
    "cdivision": not DEBUG,
    "embedsignature": True,
}

# (compile arguments, link arguments) to try in turn, by distutils compiler type
OPENMP_FLAGS = {
    "msvc": [(["/openmp"], [])],
    "unix": [(["-fopenmp"], ["-fopenmp"]), (["-Xpreprocessor", "-fopenmp"], ["-lomp"])],
    "mingw32": [(["-fopenmp"], ["-fopenmp"])],
}
OPENMP_PROBE = "#include <omp.h>\nint main(void) { return omp_get_max_threads() > 0 ? 0 : 1; }\n"
BUILD_ERRORS = (CCompilerError, ExecError, PlatformError)


def openmp_flags(compiler):
    """The first OpenMP flags that compile and link a probe with ``compiler``, else none."""
    for compile_args, link_args in OPENMP_FLAGS.get(compiler.compiler_type, []):
        with tempfile.TemporaryDirectory() as tmp:
            probe = Path(tmp, "probe.c")
            probe.write_text(OPENMP_PROBE)
            try:
                objects = compiler.compile([str(probe)], output_dir=tmp, extra_postargs=compile_args)
                compiler.link_executable(objects, "probe", output_dir=tmp, extra_postargs=link_args)
            except BUILD_ERRORS:
                continue
        return compile_args, link_args
    return [], []


class BuildKernels(build_ext):
    """Adds the compiler's optimisation and OpenMP flags; a kernel that fails to build is skipped."""

    def build_extensions(self):
        msvc = self.compiler.compiler_type == "msvc"
        optimise = [] if msvc else ["-O0", "-g"] if DEBUG else ["-O3"]
        compile_args, link_args = openmp_flags(self.compiler)
        self.announce(f"coverage_sdk kernels: OpenMP {' '.join(compile_args) or 'not available: prange runs serially'}", logging.INFO)
        for ext in self.extensions:
            ext.extra_compile_args = optimise + compile_args
            ext.extra_link_args = link_args
        super().build_extensions()

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except BUILD_ERRORS as error:
            if REQUIRE_COMPILED:
                raise
            self.warn(f"{ext.name} not compiled ({error}); the package uses its numpy twin, about 100x slower")


extensions = [
    Extension(
        f"coverage_sdk.{pyx.stem}",
        [str(pyx)],
        include_dirs=[numpy.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        optional=not REQUIRE_COMPILED,
    )
    for pyx in sorted(Path("ext").glob("*.pyx"))
]

setup(ext_modules=cythonize(extensions, compiler_directives=DIRECTIVES), cmdclass={"build_ext": BuildKernels})
